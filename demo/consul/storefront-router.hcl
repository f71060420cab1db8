# Consul service mesh: how the storefront reaches checkout and reports.
Kind = "service-router"
Name = "storefront"
Routes = [
  {
    Match {
      HTTP {
        PathPrefix = "/checkout"
        Methods    = ["POST"]
      }
    }
    Destination {
      Service            = "checkout"
      RequestTimeout     = "3s"
      NumRetries         = 2
      RetryOnStatusCodes = [503]
    }
  },
  {
    Match { HTTP { PathPrefix = "/reports" } }
    Destination {
      Service        = "reports"
      RequestTimeout = "-1s"
    }
  },
  {
    Match { HTTP { PathPrefix = "/" } }
  },
]
