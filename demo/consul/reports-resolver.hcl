# The reports service's own resolver: no router in front of it, so its
# RequestTimeout is the timeout of every call to reports, and a negative one
# turns it off.
Kind           = "service-resolver"
Name           = "reports"
ConnectTimeout = "2s"
RequestTimeout = "-1s"
