//! Types named like generated clients that the run defines itself: the wildcard
//! constructor `**::?*Client::connect` matches any `<Name>Client::connect`, and where a
//! package of the run defines `<Name>Client` (quilkin's `MdsClient` in its `xds`
//! member) that is its own wrapper, judged where it builds its client.

use rustc_hash::FxHashSet as HashSet;

use crate::extract::rust::facts::Origin;
use crate::extract::rust::FileFacts;

/// Per package, the types its wildcard constructors matched
/// ([`crate::extract::rust::facts::ClientOrigin::wildcard_type`]) that some package of
/// the run defines: quilkin's `MdsClient::connect`, a client of its `xds` member,
/// matches generated tonic clients' `**::?*Client::connect`. Within the package the
/// link sees its own types; this adds the other packages'.
pub(crate) fn own_wildcard_types(packages: &[&[(usize, FileFacts)]]) -> Vec<HashSet<String>> {
    let wildcards = |files: &[(usize, FileFacts)]| -> HashSet<String> {
        (files.iter().flat_map(|(_, f)| &f.handles))
            .filter_map(|h| match &h.origin {
                Origin::Client(c) => c.wildcard_type.clone(),
                _ => None,
            })
            .collect()
    };
    let wanted: Vec<HashSet<String>> = packages.iter().map(|files| wildcards(files)).collect();
    if wanted.iter().all(HashSet::is_empty) {
        return wanted;
    }
    let all: HashSet<&String> = wanted.iter().flatten().collect();
    let files = || packages.iter().flat_map(|files| files.iter());
    let types: HashSet<&String> = files().flat_map(|(_, f)| f.types.iter()).collect();
    // An alias counts when it names a type of the run (`MdsClient = Client<..>`, with
    // `struct Client` in the same crate); not when it names a generated client
    // (`AdsGrpcClient = AggregatedDiscoveryServiceClient<Channel>`).
    let aliases = files().flat_map(|(_, f)| &f.aliases);
    let own_aliases = aliases.filter_map(|(alias, of)| types.contains(of).then_some(alias));
    let defined: HashSet<&String> = (types.iter().copied().chain(own_aliases))
        .filter(|t| all.contains(t))
        .collect();
    (wanted.into_iter())
        .map(|w| w.into_iter().filter(|t| defined.contains(t)).collect())
        .collect()
}
