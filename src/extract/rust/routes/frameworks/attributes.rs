//! Route attributes: `#[post("/orders")]` (actix-web, Rocket), `#[oai(..)]`
//! (poem-openapi) and `#[utoipa::path(..)]`.

use super::*;

impl Summarizer<'_> {
    /// Records the routes `attr` declares for the function `fn_name`. Returns whether
    /// it is an OpenAPI attribute documenting a 409 Conflict answer (see
    /// [`documents_conflict`]), whatever its method.
    pub(super) fn attribute_route(&mut self, attr: &syn::Attribute, fn_name: &str) -> bool {
        let syn::Meta::List(list) = &attr.meta else {
            return false;
        };
        let segs = segments(&list.path);
        let Some(last) = segs.last().cloned() else {
            return false;
        };
        let resolved = self.resolve(&segs);
        let qualified_ok = segs.len() == 1 || self.framework_head(&resolved);
        let fw = &self.cat.frameworks;
        let mut methods: Vec<String> = Vec::new();
        let mut path = None;
        let mut openapi = false;
        let mut conflict = false;
        if has(&fw.method_attributes, &last) && qualified_ok {
            if let Some(m) = self.cat.method_of(&last) {
                methods.push(m.to_string());
            }
            path = string_literals(list.tokens.clone()).into_iter().next();
        } else if has(&fw.route_attributes, &last) && qualified_ok {
            let (ms, p) = self.route_attribute_args(list.tokens.clone());
            methods = ms;
            path = p;
        } else if tail_matches(&fw.openapi_attributes, &resolved) {
            let (ms, p) = self.openapi_args(list.tokens.clone());
            methods = ms;
            path = p;
            openapi = true;
            conflict = documents_conflict(list.tokens.clone());
        }
        if methods.is_empty() || self.cat.ignored_path(path.as_deref()) {
            return conflict;
        }
        // Only now: an attribute's span builds its whole token stream.
        let span = self.span(attr.span());
        let scope = self.fn_scope_named(fn_name);
        for method in methods {
            if !self.cat.is_subject(&method) {
                continue;
            }
            let order = self.tick(scope);
            self.out.routes.push(RouteRec {
                method,
                path: path.clone(),
                handler: Some(Handler::Named(fn_name.to_string(), None)),
                span,
                scope: Some(scope),
                order,
                covered_here: None,
                layer_refs: None,
                openapi_only: openapi,
            });
        }
        conflict
    }

    /// `("/p", method = "POST", method = "PATCH")`, Rocket `(POST, uri = "/p")`,
    /// poem-openapi `(path = "/p", method = "post")`.
    pub(super) fn route_attribute_args(&self, ts: TokenStream) -> (Vec<String>, Option<String>) {
        let tts: Vec<TokenTree> = ts.into_iter().collect();
        let mut methods = Vec::new();
        let mut path = None;
        let mut i = 0;
        while i < tts.len() {
            match &tts[i] {
                TokenTree::Ident(id) => {
                    let key = id.to_string();
                    let value = match (tts.get(i + 1), tts.get(i + 2)) {
                        (Some(TokenTree::Punct(p)), Some(TokenTree::Literal(l)))
                            if p.as_char() == '=' =>
                        {
                            string_literals(TokenStream::from(TokenTree::Literal(l.clone())))
                                .into_iter()
                                .next()
                        }
                        _ => None,
                    };
                    match (key.as_str(), value) {
                        ("method", Some(v)) => {
                            if let Some(m) = self.cat.method_constant(&v) {
                                methods.push(m.to_string());
                            }
                            i += 2;
                        }
                        ("path" | "uri", Some(v)) => {
                            path.get_or_insert(v);
                            i += 2;
                        }
                        (_, Some(_)) => i += 2,
                        (k, None) if is_upper(k) => {
                            if let Some(m) = self.cat.method_constant(k) {
                                methods.push(m.to_string());
                            }
                        }
                        _ => {}
                    }
                }
                TokenTree::Literal(l) if path.is_none() => {
                    path = string_literals(TokenStream::from(TokenTree::Literal(l.clone())))
                        .into_iter()
                        .next();
                }
                _ => {}
            }
            i += 1;
        }
        (methods, path)
    }

    /// utoipa: `(post, path = "/p", ..)` or `(method(post, patch), path = "/p")`.
    pub(super) fn openapi_args(&self, ts: TokenStream) -> (Vec<String>, Option<String>) {
        let tts: Vec<TokenTree> = ts.into_iter().collect();
        let mut methods = Vec::new();
        let mut path = None;
        let mut i = 0;
        while i < tts.len() {
            if let TokenTree::Ident(id) = &tts[i] {
                let key = id.to_string();
                let next = tts.get(i + 1);
                let at_top =
                    i == 0 || matches!(&tts[i - 1], TokenTree::Punct(p) if p.as_char() == ',');
                match next {
                    Some(TokenTree::Punct(p)) if p.as_char() == '=' => {
                        if key == "path" {
                            if let Some(TokenTree::Literal(l)) = tts.get(i + 2) {
                                path = string_literals(TokenStream::from(TokenTree::Literal(
                                    l.clone(),
                                )))
                                .into_iter()
                                .next();
                            }
                        }
                        i += 2;
                    }
                    Some(TokenTree::Group(g))
                        if key == "method" && g.delimiter() == Delimiter::Parenthesis =>
                    {
                        for t in g.stream() {
                            if let TokenTree::Ident(m) = t {
                                if let Some(m) = self.cat.method_of(&m.to_string()) {
                                    methods.push(m.to_string());
                                }
                            }
                        }
                        i += 1;
                    }
                    Some(TokenTree::Group(_)) => i += 1,
                    _ if at_top => {
                        if let Some(m) = self.cat.method_of(&key) {
                            methods.push(m.to_string());
                        }
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        (methods, path)
    }
}

/// An OpenAPI attribute's responses list a 409 Conflict (`(status = 409, description =
/// "Item is already queued")`, `status = "409"`, `status = StatusCode::CONFLICT`): the
/// API says a request clashing with a record that exists is refused, so a repeat of a
/// create finds the first attempt's record and changes nothing. It is the only word on
/// a handler whose body is not in sight (a closed-source package's), and it is the
/// handler's own: a callee's documentation says nothing of its caller.
fn documents_conflict(ts: TokenStream) -> bool {
    let tts: Vec<TokenTree> = ts.into_iter().collect();
    tts.iter().enumerate().any(|(i, t)| match t {
        TokenTree::Group(g) => documents_conflict(g.stream()),
        TokenTree::Ident(id) if id == "status" => {
            matches!(tts.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '=')
                && conflict_status(&tts[i + 2..])
        }
        _ => false,
    })
}

/// The value of a `status =`: `409`, `"409"`, or a path ending in `CONFLICT`.
fn conflict_status(value: &[TokenTree]) -> bool {
    match value.first() {
        Some(TokenTree::Literal(l)) => matches!(l.to_string().as_str(), "409" | "\"409\""),
        Some(TokenTree::Ident(_)) => {
            let end = value
                .iter()
                .position(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
                .unwrap_or(value.len());
            matches!(value[..end].last(), Some(TokenTree::Ident(id)) if id == "CONFLICT")
        }
        _ => false,
    }
}
