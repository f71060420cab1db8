//! Unit tests of the routes catalogue's name matching.

mod glob_tests {
    #[test]
    fn stars_match_any_text() {
        use super::super::glob;
        assert!(glob("send_*_update", "send_cipher_update"));
        assert!(glob("log_event", "log_event"));
        assert!(glob("notify_*", "notify_devices"));
        assert!(glob("*_audit", "write_audit"));
        assert!(!glob("send_*_update", "send_invite"));
        assert!(!glob("log_event", "log_events"));
        assert!(!glob("send_*_update", "send_update"));
        assert!(glob("gen_*_id_*_v*", "gen_user_id_x_v4"));
        assert!(!glob("gen_*_id_*_v*", "gen_user_v4_id"));
        assert!(glob("*", "") && glob("*", "any") && glob("a**b", "ab"));
        assert!(!glob("a*", "") && !glob("", "a") && glob("", ""));
    }
}

mod prefilter_tests {
    use super::super::RoutesCatalog;

    #[test]
    fn sql_words_skip_only_literals_without_a_write_word() {
        assert_eq!(super::super::longest_word("update * set"), "update");
        assert_eq!(super::super::longest_word("On Conflict"), "conflict");
        let any = |words: &[&str], text: &str| {
            super::super::AnyWord::new(words.iter().map(|w| w.to_string()).collect()).in_text(text)
        };
        assert!(any(&["insert"], "x InSeRt y"));
        assert!(!any(&["insert"], "inser"));
        assert!(any(&[""], "anything"));
        assert!(!any(&[], "anything"));
        assert!(any(&["update", "upsert", "delete"], "DELETE"));
        assert!(!any(&["update", "upsert"], "upd ups"));
        assert!(any(&["insert", "ignore"], "é ignore"));
        let cat = RoutesCatalog::builtin();
        assert!(cat
            .write_sql("INSERT INTO users (id) VALUES ($1)")
            .is_some());
        assert!(cat.write_sql("Update Users Set name = $1").is_some());
        assert!(cat.write_sql("user not found: {}").is_none());
        assert!(cat.write_sql("UPDATE of the users").is_none());
    }

    #[test]
    fn typed_new_ids_match_their_type_only() {
        let cat = RoutesCatalog::builtin();
        assert_eq!(cat.new_id(Some("Uuid"), "new_v4"), Some("Uuid::new_v4"));
        assert_eq!(cat.new_id(Some("Ulid"), "new"), Some("Ulid::new"));
        assert_eq!(cat.new_id(Some("Vec"), "new"), None);
        assert_eq!(cat.new_id(None, "generate_user_id"), Some("generate_*_id"));
        assert_eq!(cat.new_id(None, "new"), None);
    }
}
