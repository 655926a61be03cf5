use barometer_domain::{AssemblyCode, Role};
use barometer_store::StoreError;
use barometer_store::auth::{self, NewToken, TokenKind};
use barometer_test_support::backend_tests;
use diesel::prelude::*;

use crate::support::seed;

fn api_token(role: Role, assembly: Option<&AssemblyCode>) -> NewToken<'_> {
    NewToken { kind: TokenKind::Api, role, assembly, cycle: None, user_id: None, label: "test", expires_at: None }
}

backend_tests! {
    fn tokens_are_stored_hashed_and_can_be_revoked(db) {
        let mut conn = db.conn();
        let (id, token) = auth::create_token(&mut conn, api_token(Role::Secretariat, None), "test").unwrap();
        assert!(token.starts_with("bar_") && token.len() > 40);
        let stored: Vec<String> = barometer_store::schema::api_tokens::table.select(barometer_store::schema::api_tokens::token_hash).load(&mut *conn).unwrap();
        assert!(!stored.iter().any(|h| h.contains(&token[4..])), "the clear token is never stored");
        let principal = auth::verify_token(&mut conn, &token).unwrap().expect("valid");
        assert_eq!(principal.role, Role::Secretariat);
        assert!(auth::verify_token(&mut conn, "bar_wrong").unwrap().is_none());
        auth::revoke_token(&mut conn, &id, "test").unwrap();
        assert!(auth::verify_token(&mut conn, &token).unwrap().is_none(), "revoked tokens stop working");
    }

    fn focal_point_tokens_are_bound_to_one_assembly(db) {
        let mut conn = db.conn();
        seed(&mut conn);
        let pam = AssemblyCode::parse("PAM").unwrap();
        let (_, token) = auth::create_token(&mut conn, api_token(Role::FocalPoint, Some(&pam)), "test").unwrap();
        assert_eq!(auth::verify_token(&mut conn, &token).unwrap().unwrap().assembly, Some(pam));
        let unbound = auth::create_token(&mut conn, api_token(Role::FocalPoint, None), "test");
        assert!(matches!(unbound, Err(StoreError::Invalid(_))));
    }

    fn passwords_are_checked_against_argon2id_hashes(db) {
        let mut conn = db.conn();
        let user = auth::create_user(&mut conn, " Sec@Example.org ", "correct horse battery", Role::Secretariat, None, "test").unwrap();
        assert_eq!(user.email, "sec@example.org");
        let hash: String = barometer_store::schema::users::table.select(barometer_store::schema::users::password_hash).first(&mut *conn).unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(auth::verify_password(&mut conn, "sec@example.org", "correct horse battery").unwrap().is_some());
        assert!(auth::verify_password(&mut conn, "sec@example.org", "wrong password!!").unwrap().is_none());
        assert!(auth::verify_password(&mut conn, "nobody@example.org", "correct horse battery").unwrap().is_none());
        let short = auth::create_user(&mut conn, "a@example.org", "short", Role::Analyst, None, "test");
        match short {
            Err(StoreError::Invalid(e)) => assert!(e.get("password").is_some()),
            other => panic!("{other:?}"),
        }
        assert!(matches!(auth::create_user(&mut conn, "SEC@example.org", "another long password", Role::Analyst, None, "test"), Err(StoreError::Conflict(_))));
    }

    fn the_secret_key_is_generated_once_and_shared(db) {
        let mut a = db.conn();
        let mut b = db.fresh_conn();
        let first = barometer_store::settings::secret_key(&mut a).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(barometer_store::settings::secret_key(&mut b).unwrap(), first);
    }
}
