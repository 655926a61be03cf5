use barometer_store::audit::{self, Entry};
use barometer_test_support::backend_tests;
use diesel::prelude::*;

backend_tests! {
    fn the_audit_log_is_append_only(db) {
        let mut conn = db.conn();
        audit::append(&mut conn, Entry { actor: "test", action: "thing.create", entity: "thing", entity_id: "1", before: None, after: Some(serde_json::json!({"a": 1})) }).unwrap();
        audit::append(&mut conn, Entry { actor: "test", action: "thing.update", entity: "thing", entity_id: "1", before: Some(serde_json::json!({"a": 1})), after: Some(serde_json::json!({"a": 2})) }).unwrap();
        let history = audit::history(&mut conn, "thing", "1").unwrap();
        assert_eq!(history.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(), ["thing.create", "thing.update"]);
        assert_eq!(history[1].before_json.as_deref(), Some(r#"{"a":1}"#));

        let update = diesel::sql_query("UPDATE audit_log SET actor = 'forger'").execute(&mut *conn);
        assert!(update.unwrap_err().to_string().contains("append-only"));
        let delete = diesel::sql_query("DELETE FROM audit_log").execute(&mut *conn);
        assert!(delete.unwrap_err().to_string().contains("append-only"));
        assert_eq!(audit::history(&mut conn, "thing", "1").unwrap().len(), 2);
    }
}
