//! The one portable schema for both backends (written by hand: `diesel print-schema` would give
//! each backend its own). Only types both backends share: Text, Integer, BigInt, Double, Bool,
//! Date, Timestamp.

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    assemblies (code) {
        code -> Text,
        name -> Text,
        joined_on -> Date,
        left_on -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        contact_email -> Nullable<Text>,
    }
}

diesel::table! {
    cycles (label) {
        label -> Text,
        opens_on -> Date,
        closes_on -> Date,
        status -> Text,
        max_ranked_themes -> Integer,
        tier_primary -> Double,
        tier_secondary -> Double,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cycle_themes (cycle_label, code) {
        cycle_label -> Text,
        code -> Text,
        position -> Integer,
        labels -> Text,
        replaces -> Text,
    }
}

diesel::table! {
    cycle_regions (cycle_label, code) {
        cycle_label -> Text,
        code -> Text,
        position -> Integer,
        labels -> Text,
        parent_code -> Nullable<Text>,
    }
}

diesel::table! {
    cycle_region_countries (cycle_label, region_code, iso3) {
        cycle_label -> Text,
        region_code -> Text,
        iso3 -> Text,
    }
}

diesel::table! {
    cycle_activity_kinds (cycle_label, code) {
        cycle_label -> Text,
        code -> Text,
        position -> Integer,
        labels -> Text,
    }
}

diesel::table! {
    responses (id) {
        id -> Text,
        cycle_label -> Text,
        assembly_code -> Text,
        status -> Text,
        version -> Integer,
        comment -> Text,
        receipt -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    response_themes (response_id, rank) {
        response_id -> Text,
        cycle_label -> Text,
        rank -> Integer,
        theme_code -> Text,
    }
}

diesel::table! {
    response_regions (response_id, region_code) {
        response_id -> Text,
        cycle_label -> Text,
        region_code -> Text,
    }
}

diesel::table! {
    activities (id) {
        id -> Text,
        response_id -> Text,
        cycle_label -> Text,
        position -> Integer,
        title -> Text,
        kind_code -> Text,
        starts_on -> Date,
        ends_on -> Date,
        city -> Nullable<Text>,
        country -> Nullable<Text>,
        online -> Bool,
        partners -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        reported_status -> Text,
    }
}

diesel::table! {
    activity_themes (activity_id, theme_code) {
        activity_id -> Text,
        cycle_label -> Text,
        theme_code -> Text,
    }
}

diesel::table! {
    activity_regions (activity_id, region_code) {
        activity_id -> Text,
        cycle_label -> Text,
        region_code -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        assembly_code -> Nullable<Text>,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        token_hash -> Text,
        kind -> Text,
        role -> Text,
        assembly_code -> Nullable<Text>,
        cycle_label -> Nullable<Text>,
        user_id -> Nullable<Text>,
        label -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
    }
}

diesel::joinable!(responses -> cycles (cycle_label));
diesel::joinable!(responses -> assemblies (assembly_code));
diesel::joinable!(response_themes -> responses (response_id));
diesel::joinable!(response_regions -> responses (response_id));
diesel::joinable!(activities -> responses (response_id));
diesel::joinable!(activity_themes -> activities (activity_id));
diesel::joinable!(activity_regions -> activities (activity_id));

diesel::table! {
    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        request_hash -> Text,
        status -> Integer,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    meetings (number) {
        number -> Integer,
        date -> Date,
        venue -> Text,
        online -> Bool,
        regular -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    presidencies (assembly_code, starts_on) {
        assembly_code -> Text,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    membership_requests (id) {
        id -> Text,
        assembly_name -> Text,
        normalized_name -> Text,
        members -> Text,
        relevance -> Text,
        contact_email -> Text,
        lang -> Text,
        status -> Text,
        meeting_number -> Nullable<Integer>,
        assembly_code -> Nullable<Text>,
        letter_name -> Nullable<Text>,
        notified_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The attached letter (BLOB in SQLite, BYTEA in PostgreSQL: diesel's Binary maps both).
    membership_letters (request_id) {
        request_id -> Text,
        file_name -> Text,
        content -> Binary,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        assembly_code -> Text,
        kind -> Text,
        subject -> Text,
        body -> Text,
        request_id -> Nullable<Text>,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        error -> Nullable<Text>,
        notification_id -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rate_limit_counters (bucket, key_hash, window_start) {
        bucket -> Text,
        key_hash -> Text,
        window_start -> BigInt,
        hits -> Integer,
    }
}

diesel::table! {
    challenges (id) {
        id -> Text,
        answer -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    calendar_events (id) {
        id -> Text,
        title -> Text,
        kind -> Text,
        starts_on -> Date,
        ends_on -> Date,
        start_time -> Nullable<Text>,
        end_time -> Nullable<Text>,
        city -> Nullable<Text>,
        country -> Nullable<Text>,
        online -> Bool,
        themes -> Text,
        regions -> Text,
        partners -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    joint_initiative_marks (suggestion_key) {
        suggestion_key -> Text,
        mark -> Text,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    settings,
    assemblies,
    cycles,
    cycle_themes,
    cycle_regions,
    cycle_region_countries,
    cycle_activity_kinds,
    responses,
    response_themes,
    response_regions,
    activities,
    activity_themes,
    activity_regions,
    users,
    api_tokens,
    audit_log,
    idempotency_keys,
    meetings,
    presidencies,
    membership_requests,
    membership_letters,
    notifications,
    outbox,
    rate_limit_counters,
    challenges,
    calendar_events,
    joint_initiative_marks,
);
