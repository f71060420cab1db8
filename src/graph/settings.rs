//! Settings of the graph from `resilint.toml`: the `[services]` tables (ties and host
//! aliases) and `[cross] max-tries`, per configuration of a run.

use std::collections::BTreeMap;

use super::docs;

/// The `[services]` table of `resilint.toml`, one entry per service.
pub type ServicesConfig = BTreeMap<String, crate::config::ServiceEntry>;

/// Settings of the graph from `resilint.toml`.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub services: ServicesConfig,
    /// Directory `[services]` code paths are relative to.
    pub base: std::path::PathBuf,
    /// `[cross] max-tries`: tries of one path above which `cross/retry-amplification` fires.
    pub max_tries: u64,
    /// The `[services]` tables of nested configurations, each with the directory its
    /// code paths are relative to (the root's is `services` and `base`).
    pub nested: Vec<(std::path::PathBuf, ServicesConfig)>,
    /// Per file (index of the workspace's files), the `[cross] max-tries` of the
    /// configuration governing it; empty: `max_tries` for every file.
    pub max_tries_of_file: Vec<u64>,
}

impl Settings {
    pub fn of(config: &crate::config::Config) -> Self {
        Settings {
            services: config.services.clone(),
            base: config.base.clone(),
            max_tries: config.cross.max_tries.unwrap_or(docs::DEFAULT_MAX_TRIES),
            ..Settings::default()
        }
    }

    /// The settings of a run with several configurations: the root's, every nested
    /// `[services]` table (relative to its own directory), and each file's
    /// `[cross] max-tries` from the configuration governing it (no inheritance, as
    /// for every per-directory key: a nested file without `[cross]` has the default).
    /// `config_of_file[i]` indexes `configs` for the workspace's file `i`.
    pub fn of_all(configs: &[crate::config::Config], config_of_file: &[usize]) -> Self {
        let Some(root) = configs.first() else {
            return Settings::default();
        };
        let max = |c: &crate::config::Config| c.cross.max_tries.unwrap_or(docs::DEFAULT_MAX_TRIES);
        Settings {
            nested: configs[1..]
                .iter()
                .filter(|c| !c.services.is_empty())
                .map(|c| (c.base.clone(), c.services.clone()))
                .collect(),
            max_tries_of_file: if configs.len() > 1 {
                config_of_file
                    .iter()
                    .map(|&i| configs.get(i).map_or(max(root), max))
                    .collect()
            } else {
                Vec::new()
            },
            ..Settings::of(root)
        }
    }

    /// Every `[services]` entry with the directory its code paths are relative to.
    pub fn all_services(
        &self,
    ) -> impl Iterator<Item = (&std::path::Path, &String, &crate::config::ServiceEntry)> {
        std::iter::once((self.base.as_path(), &self.services))
            .chain(self.nested.iter().map(|(b, s)| (b.as_path(), s)))
            .flat_map(|(base, table)| table.iter().map(move |(n, e)| (base, n, e)))
    }

    /// `[cross] max-tries` for paths written in the workspace's file `file`.
    pub fn max_tries_for(&self, file: usize) -> u64 {
        self.max_tries_of_file
            .get(file)
            .copied()
            .unwrap_or(self.max_tries)
    }
}
