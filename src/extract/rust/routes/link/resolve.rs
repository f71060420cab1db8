//! Which functions of the workspace a call may run: by name, by method, by type.

use super::*;

impl<'a> Package<'a> {
    /// Indexes the functions of file `fi`: by name, methods by name, and those of
    /// `impl` blocks by `Type::name`.
    pub(super) fn index_fns(&mut self, fi: usize, f: &'a FileRoutes) {
        for info in &f.fns {
            let entry = (fi, info);
            self.fns.entry(&info.name).or_default().push(entry);
            // Evidence made in this run is at hand: placed now. Evidence read from
            // the cache is placed when decoded ([`Package::body`]).
            if !info.cached() {
                let at = std::ptr::from_ref(info.evidence()) as usize;
                self.file_of.get_mut().insert(at, fi);
                if info.method {
                    self.method_evs.get_mut().insert(at);
                }
            }
            if info.owner.is_none() && !info.method {
                self.free_fns.entry(&info.name).or_default().push(entry);
            }
            if info.method {
                self.methods.entry(&info.name).or_default().push(entry);
            }
            if let Some(owner) = &info.owner {
                self.owners.insert(owner);
                if info.replaces() {
                    self.replacing.insert(owner);
                }
                self.owned
                    .entry(owner)
                    .or_default()
                    .entry(&info.name)
                    .or_default()
                    .push(entry);
            }
        }
    }

    /// Indexes the free functions of each file under its module's name
    /// (`mail::send_invite` for `send_invite` of `src/mail.rs`), with the types'
    /// functions: a call written through the module's path runs that one.
    pub(super) fn index_modules(&mut self, modules: &[&'a str]) {
        let files = self.files;
        for (fi, (f, module)) in files.iter().zip(modules).enumerate() {
            if module.is_empty() {
                continue;
            }
            for info in f.fns.iter().filter(|i| i.owner.is_none() && !i.method) {
                self.owned
                    .entry(module)
                    .or_default()
                    .entry(&info.name)
                    .or_default()
                    .push((fi, info));
            }
        }
    }

    /// The functions indexed under `Type::name` or `module::name`
    /// ([`Package::owned`]): empty when there are none.
    pub(super) fn owned_of(&self, c: &str) -> &[Entry<'a>] {
        // A name has no `:`: the last one ends the `::` before it (a byte search,
        // where `rsplit_once("::")` runs a substring search).
        c.rsplit_once(':')
            .and_then(|(q, name)| Some((q.strip_suffix(':')?, name)))
            .map_or(&[], |(q, name)| self.owned_fns(q, name))
    }

    /// The functions indexed under `q` and `name` ([`Package::owned`]).
    pub(super) fn owned_fns(&self, q: &str, name: &str) -> &[Entry<'a>] {
        self.owned
            .get(q)
            .and_then(|by_name| by_name.get(name))
            .map_or(&[], Vec::as_slice)
    }

    /// An indexed function with its evidence: decoded now if it was read from the
    /// cache and not asked for yet, and then placed (its file, whether it is a
    /// method, by the evidence's address). Every evidence a link step follows comes
    /// through here, so a warm run decodes only the functions a route reaches.
    pub(super) fn body(&self, (fi, info): Entry<'a>) -> (usize, &'a Evidence) {
        let ev = info.evidence();
        if info.cached() {
            let at = std::ptr::from_ref(ev) as usize;
            self.file_of.borrow_mut().insert(at, fi);
            if info.method {
                self.method_evs.borrow_mut().insert(at);
            }
        }
        (fi, ev)
    }

    /// [`Package::body`] of each entry.
    pub(super) fn bodies(
        &self,
        entries: impl IntoIterator<Item = Entry<'a>>,
    ) -> Vec<(usize, &'a Evidence)> {
        entries.into_iter().map(|e| self.body(e)).collect()
    }

    /// The functions a call named `c` in body `ev` (of package `pkg`) may run: a
    /// type's when called through it or on a variable of it, any function of that
    /// name when it is called as one (`split(..)`), only methods when it is called as
    /// a method only (`line.split(' ')` is no free `fn split`); and whether the call
    /// was resolved to the functions it runs (through a type, a path or an import)
    /// rather than matched by its name. The link steps ask
    /// [`Package::memo_targets_how`], which keeps the answer per body and call.
    pub(super) fn call_targets_how(
        &self,
        ev: &Evidence,
        c: &str,
        pkg: usize,
    ) -> (Vec<(usize, &'a Evidence)>, bool) {
        // Called through a type (`Hub::run(..)`, `Self::find(..)`) or on variables of
        // known types: those types' functions (none when the types are another
        // crate's: `Hub::run`, `Command::spawn`).
        let mut typed = ev
            .type_calls
            .iter()
            .filter(|t| last_segment_is(t, c))
            // A module's function (`mail::send_invite`) counts when that module is in
            // sight; else the call is resolved by its name, as any.
            .filter(|t| {
                t.starts_with(|ch: char| ch.is_ascii_uppercase()) || !self.owned_of(t).is_empty()
            })
            .peekable();
        if typed.peek().is_some() {
            let mut out = Vec::new();
            for t in typed {
                out.extend(self.visible_of(self.owned_of(t), pkg));
            }
            return (out, true);
        }
        if let Some(targets) = self.made_targets(ev, c, pkg) {
            return (targets, true);
        }
        // What the calling file's imports and the call's path say it runs.
        if let Some(targets) = self.path_targets(ev, c) {
            return (targets, true);
        }
        let as_fn = ev.fn_calls.iter().any(|n| n == c);
        let by_name = if as_fn { &self.fns } else { &self.methods };
        let all = by_name.get(c).map(Vec::as_slice).unwrap_or_default();
        // Rust has no optional parameters: `lock.write()` runs no `write(schema,
        // entry, fsync)`. Only what the calls' argument counts fit, when known.
        let targets = match ev.arg_counts(c) {
            Some(counts) => {
                let fit: Vec<Entry<'a>> = all
                    .iter()
                    .copied()
                    .filter(|(_, info)| info.takes(counts))
                    .collect();
                self.visible_in(&fit, pkg)
            }
            None => self.visible_in(all, pkg),
        };
        // Methods of two types or more (`payload.validate()` among forty `impl
        // Validate`): which one runs depends on the receiver's type, which the body does
        // not show, so none is taken for it (guessing the first that writes made a
        // mutation of every validated read). Free functions of one name are not methods
        // of types: each is a candidate as before.
        if !as_fn && of_several_types(&targets) {
            return (Vec::new(), false);
        }
        (self.bodies(targets), false)
    }
}

impl<'a> Package<'a> {
    /// A method `c` called on a value a free function made (`let mut client =
    /// make_grpc_search_client(..).await?; client.cancel_query(req)`,
    /// [`Evidence::made_calls`]): the method `c` of the type the maker's signature
    /// returns, not every `cancel_query` of the workspace (openobserve's gRPC server
    /// has one that cancels a running query). A type with no `impl` in sight is
    /// another crate's or generated code's (tonic's `SearchClient`): none of the
    /// workspace's methods. None, matched by name as before, when a maker is not in
    /// sight (another crate's function), declares no named type, or its type has an
    /// `impl` in sight without that method (a trait's, or through `Deref`). Known
    /// limit: a type alias of a workspace type under another name (`type Db = Store`)
    /// is taken for another crate's type.
    pub(super) fn made_targets(
        &self,
        ev: &Evidence,
        c: &str,
        pkg: usize,
    ) -> Option<Vec<(usize, &'a Evidence)>> {
        let mut makers = ev
            .made_calls
            .iter()
            .filter_map(|t| t.rsplit_once("::"))
            .filter(|(_, m)| *m == c)
            .peekable();
        makers.peek()?;
        let mut out = Vec::new();
        for (f, _) in makers {
            let all = self.free_fns.get(f).map(Vec::as_slice).unwrap_or_default();
            let fns = self.visible_in(all, pkg);
            if fns.is_empty() {
                return None;
            }
            for (_, info) in fns {
                let ty = info.ret.as_deref()?;
                // A type of the workspace without that method: a trait's, or one
                // reached through `Deref`: matched by name as before.
                if self.owners.contains(ty) {
                    let own = self.visible_of(self.owned_fns(ty, c), pkg);
                    if own.is_empty() {
                        return None;
                    }
                    out.extend(own);
                }
            }
        }
        Some(out)
    }

    /// Every write of `ev` (a body in package `pkg`) is a call of a method of one of
    /// the workspace's types whose bodies write nothing, `depth` steps down
    /// (`translated_stack.add_line(t)` on a `TranslatedStack`, whose `add_line` pushes
    /// to a `Vec` field): its name said write, its body says otherwise. SQL text, ORM
    /// chains, counted fields and calls of other code keep their verdict.
    ///
    /// At the last step (`depth` 0) such a method or function is judged by its own
    /// body only, and only when that body is a leaf: it shows no write and calls no
    /// function of the workspace (`add_parameter(v, ty, &mut params, &mut n)` pushing
    /// onto a `Vec` it was given). What a leaf could write is then another crate's
    /// call whose name says no write, which no step would see either.
    pub(super) fn inert_methods_only(&self, ev: &Evidence, pkg: usize, depth: u8) -> bool {
        if ev.repeat != 0 || ev.counts.is_some() || ev.write_calls.iter().next().is_none() {
            return false;
        }
        ev.write_calls.iter().all(|c| {
            let typed = c
                .split_once("::")
                .is_some_and(|(t, _)| t.starts_with(|ch: char| ch.is_ascii_uppercase()));
            // `CONFIG.update_config(..)`: the method of the type the value is named
            // after (`Config::update_config`), as the repeat judgement reads it.
            let owned = Some(self.owned_of(c)).filter(|v| !v.is_empty());
            let bodies = match (owned, c.split_once('.')) {
                (Some(v), _) if typed => self.visible_of(v, pkg),
                (_, Some((v, m))) if !typed => self.bodies(self.named_after(v, m, pkg)),
                // `register_functions(&ctx)`: a free function of the workspace.
                (_, None) if !c.contains("::") => self.bodies(self.visible(&self.fns, c, pkg)),
                _ => return false,
            };
            !bodies.is_empty()
                && bodies.iter().all(|(f, b)| {
                    // A body whose writes a repeat applies safely still writes (a keyed
                    // `put_object().key(k)`, an upsert): its name said so rightly.
                    !std::ptr::eq(*b, ev)
                        && b.repeat == 0
                        && match depth.checked_sub(1) {
                            Some(d) => self
                                .body_writes(b, None, self.pkg_of[*f], d, false)
                                .is_none(),
                            None => self.leaf_without_writes(b, self.pkg_of[*f]),
                        }
                })
        })
    }

    /// `b` (a body in package `pkg`) shows no write and calls no function of the
    /// workspace `pkg` sees (but the shared constructors and conversions it is never
    /// followed into): the last step's callee is judged by its own body
    /// ([`Package::inert_methods_only`]).
    fn leaf_without_writes(&self, b: &Evidence, pkg: usize) -> bool {
        b.writes.is_none()
            && b.repeat == 0
            && b.counts.is_none()
            && b.calls.iter().all(|c| {
                self.not_followed.iter().any(|n| n == c)
                    || self.visible(&self.fns, c, pkg).is_empty()
            })
    }

    /// The entries of `v` package `pkg` sees: its own and its dependencies'.
    fn visible_of(&self, v: &[Entry<'a>], pkg: usize) -> Vec<(usize, &'a Evidence)> {
        self.bodies(v.iter().copied().filter(|(f, _)| {
            self.pkg_of[*f] == pkg || self.deps_of[pkg].contains(&self.pkg_of[*f])
        }))
    }
}

/// The entries are methods of two types or more.
fn of_several_types(entries: &[Entry<'_>]) -> bool {
    let mut owners = entries.iter().filter_map(|(_, info)| info.owner.as_deref());
    owners
        .next()
        .is_some_and(|first| owners.any(|o| o != first))
}
