//! The OpenAPI 3 document of every `/api/v1` route, written by hand next to the routes it
//! describes (a test fails when a route is added without its entry, or an entry has no route).

use serde_json::{Value, json};

fn error_responses(codes: &[u16]) -> serde_json::Map<String, Value> {
    let mut map = serde_json::Map::new();
    for code in codes {
        let description = match code {
            400 => "Malformed request (not JSON, bad header).",
            401 => "No valid token or session.",
            403 => "The caller's role may not do this.",
            404 => "No such resource, or not the caller's.",
            409 => "Version conflict, or the cycle is closed.",
            413 => "The body is too large.",
            415 => "Wrong content type.",
            422 => "Valid JSON, invalid content; `fields` names each problem.",
            429 => "Too many requests; wait the seconds in Retry-After.",
            _ => "Error.",
        };
        map.insert(
            code.to_string(),
            json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
        );
    }
    map
}

fn op(summary: &str, description: &str, ok: (u16, &str, Value), errors: &[u16]) -> Value {
    let mut responses = error_responses(errors);
    responses.insert(ok.0.to_string(), json!({"description": ok.1, "content": {"application/json": {"schema": ok.2}}}));
    json!({"summary": summary, "description": description, "responses": responses})
}

fn with_body(mut operation: Value, schema: Value) -> Value {
    operation["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": schema}}});
    operation
}

fn schema(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn items(name: &str) -> Value {
    json!({"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": schema(name)}}})
}

fn path_param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": {"type": "string"}})
}

/// The whole document. `base_url` fills in the server entry.
pub fn document(base_url: &str) -> Value {
    let mut doc = core_document(base_url);
    let (paths, schemas) = calendar();
    for (k, v) in paths {
        doc["paths"][k] = v;
    }
    for (k, v) in schemas {
        doc["components"]["schemas"][k] = v;
    }
    doc
}

fn query_param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}})
}

/// Named parts of the document: paths or schemas.
type Entries = Vec<(&'static str, Value)>;

/// The calendar's routes and shapes.
fn calendar() -> (Entries, Entries) {
    let filters = vec![
        query_param("assembly", "Only this assembly's activities, e.g. PAM."),
        query_param("theme", "Only entries on this theme code, e.g. youth-pve."),
        query_param("region", "Only entries naming this region code, e.g. sahel."),
        query_param("kind", "Only this kind: an activity kind of a cycle, or mechanism-meeting, unoct-event, other-event."),
        query_param("from", "Only entries that end on or after this date (YYYY-MM-DD)."),
        query_param("to", "Only entries that start on or before this date (YYYY-MM-DD)."),
        query_param("lang", "Language of labels: en, fr, ar or ru (default: the caller's)."),
    ];
    let mut list_params = filters.clone();
    list_params.push(query_param("format", "json (default), csv (UTF-8 with a BOM) or xlsx."));
    let mut feed_params = filters;
    feed_params.push(query_param("token", "A private feed token (from POST /api/v1/calendar/feed-token), for calendar apps that cannot sign in. An unknown or revoked token answers 404."));
    let mut list = op(
        "The calendar of activities",
        "Any signed-in caller. The planned activities of every submitted response (every cycle) and the Secretariat's events, by start date; each filter left out matches everything.",
        (200, "The entries (or a CSV/XLSX file with `format`).", items("CalendarEntry")),
        &[401, 422],
    );
    list["parameters"] = Value::Array(list_params);
    let mut feed = op(
        "The calendar as iCalendar (RFC 5545)",
        "Signed in, or with `?token=` (a private feed token). Every event's UID is `<id>@barometer` and never changes, so an amended activity updates the entry; cancelled activities are sent with STATUS:CANCELLED; entries without a time are all-day.",
        (200, "text/calendar", json!({"type": "string"})),
        &[401, 404, 422],
    );
    feed["parameters"] = Value::Array(feed_params);
    feed["responses"]["200"] = json!({"description": "The calendar.", "content": {"text/calendar": {"schema": {"type": "string"}}}});
    let status_body = json!({"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["planned", "confirmed", "held", "cancelled"]}}});
    let mut suggestions = op(
        "Joint-initiative suggestions",
        "Secretariat only. Pairs of activities of different assemblies that share a theme and are at most `window` days apart or name a common region, each with why and the Secretariat's mark.",
        (
            200,
            "The suggestions.",
            json!({"type": "object", "required": ["window_days", "items"], "properties": {"window_days": {"type": "integer"}, "items": {"type": "array", "items": schema("JointSuggestion")}}}),
        ),
        &[401, 403, 422],
    );
    suggestions["parameters"] =
        json!([query_param("window", "Days apart at most, 0 to 366 (default 30)."), query_param("lang", "Language of `why`.")]);
    let paths = vec![
        ("/api/v1/activities", json!({"get": list})),
        (
            "/api/v1/activities/{id}/status",
            json!({
                "parameters": [path_param("id", "The activity's (or Secretariat event's) id.")],
                "post": with_body(op("Change an activity's status", "That assembly's focal point, or the Secretariat (events: the Secretariat only). Audited. A status the Secretariat sets is kept when the assembly later saves its response without changing that activity's status.", (200, "The new status.", json!({"type": "object", "properties": {"id": {"type": "string"}, "status": {"type": "string"}}})), &[400, 401, 403, 404, 422]), status_body)
            }),
        ),
        ("/api/v1/calendar.ics", json!({"get": feed})),
        (
            "/api/v1/calendar/events",
            json!({
                "post": with_body(op("Add a Secretariat event", "Secretariat only: a Mechanism meeting, a UNOCT event or another event. Without times it is all-day; times are UTC.", (201, "The new event's id.", json!({"type": "object", "properties": {"id": {"type": "string"}}})), &[400, 401, 403, 422]), schema("EventInput"))
            }),
        ),
        (
            "/api/v1/calendar/feed-token",
            json!({
                "post": op("Make my private feed URL", "Any signed-in caller. Replaces (revokes) the caller's earlier feed token; the token is shown once. The URL is built from BAROMETER_BASE_URL.", (201, "The token and its URL.", json!({"type": "object", "properties": {"token": {"type": "string"}, "url": {"type": "string"}}})), &[401]),
                "delete": {"summary": "Revoke my private feed URL", "description": "Calendar apps using it get 404 from then on.", "responses": {"204": {"description": "Revoked."}, "401": error_responses(&[401])["401"].clone(), "404": error_responses(&[404])["404"].clone()}}
            }),
        ),
        ("/api/v1/joint-initiatives", json!({"get": suggestions})),
        (
            "/api/v1/joint-initiatives/{key}/mark",
            json!({
                "parameters": [path_param("key", "The suggestion's key: its two activity ids joined by +, in order.")],
                "post": with_body(op("Mark a suggestion", "Secretariat only. The mark stays with the pair while both activities exist (their ids survive amendments), so a dismissed suggestion stays dismissed.", (200, "The mark.", json!({"type": "object", "properties": {"key": {"type": "string"}, "mark": {"type": "string"}}})), &[400, 401, 403, 404, 422]),
                    json!({"type": "object", "required": ["mark"], "properties": {"mark": {"type": "string", "enum": ["proposed", "agreed", "dismissed"]}}}))
            }),
        ),
    ];
    let codes = json!({"type": "array", "items": {"type": "string"}});
    let date = json!({"type": "string", "format": "date"});
    let schemas = vec![
        (
            "CalendarEntry",
            json!({"type": "object", "required": ["id", "source", "title", "kind", "starts_on", "ends_on", "status", "uid"], "properties": {
            "id": {"type": "string"}, "source": {"type": "string", "enum": ["activity", "event"]},
            "assembly": {"type": "string", "nullable": true}, "cycle": {"type": "string", "nullable": true},
            "title": {"type": "string"}, "kind": {"type": "string"}, "kind_label": {"type": "string"},
            "starts_on": date, "ends_on": date, "start_time": {"type": "string", "nullable": true, "description": "UTC HH:MM"},
            "end_time": {"type": "string", "nullable": true}, "all_day": {"type": "boolean"},
            "location": {"type": "object", "nullable": true, "properties": {"city": {"type": "string", "nullable": true}, "country": {"type": "string"}}},
            "online": {"type": "boolean"}, "place": {"type": "string"}, "themes": codes, "theme_labels": codes, "regions": codes, "partners": codes,
            "status": {"type": "string", "enum": ["planned", "confirmed", "held", "cancelled"]}, "uid": {"type": "string"}, "updated_at": {"type": "string"}}}),
        ),
        (
            "EventInput",
            json!({"type": "object", "required": ["title", "kind", "starts_on"], "properties": {
            "title": {"type": "string"}, "kind": {"type": "string", "enum": ["mechanism-meeting", "unoct-event", "other-event"]},
            "starts_on": date, "ends_on": date, "start_time": {"type": "string", "description": "UTC HH:MM"}, "end_time": {"type": "string"},
            "city": {"type": "string"}, "country": {"type": "string", "description": "ISO 3166-1 alpha-3; required unless online"},
            "online": {"type": "boolean"}, "themes": codes, "regions": codes, "partners": codes,
            "status": {"type": "string", "enum": ["planned", "confirmed", "held", "cancelled"]}}}),
        ),
        (
            "JointSuggestion",
            json!({"type": "object", "required": ["key", "activities", "why"], "properties": {
            "key": {"type": "string"}, "activities": {"type": "array", "items": schema("CalendarEntry")}, "assemblies": codes, "themes": codes,
            "days_apart": {"type": "integer"}, "within_window": {"type": "boolean"}, "shared_regions": codes, "why": {"type": "string"},
            "mark": {"type": "string", "nullable": true, "enum": ["proposed", "agreed", "dismissed"]}}}),
        ),
    ];
    (paths, schemas)
}

fn core_document(base_url: &str) -> Value {
    let label = path_param("label", "The cycle's label, e.g. 2025 or 2023-24.");
    let request_id = path_param("id", "The membership request's id.");
    let mut submit_request = with_body(
        op(
            "Submit an expression of interest",
            "Anyone. Limited per client address (429 with Retry-After). A request from an assembly on the roster, or with a request awaiting a decision (same name ignoring case, spacing and diacritics, or same email), gets 409.",
            (201, "The stored request, with its id.", schema("MembershipRequest")),
            &[400, 409, 413, 415, 422, 429],
        ),
        schema("MembershipRequestBody"),
    );
    // Public: no credential needed.
    submit_request["security"] = json!([]);
    let assembly = path_param("assembly", "The assembly's code, e.g. PAM.");
    let mut put_response = with_body(
        op(
            "Save the draft",
            "Saves the whole response. Send `If-Match: VERSION` to be told (409) when someone else saved in between. On a submitted response this amends it.",
            (200, "The saved response.", schema("Response")),
            &[400, 401, 403, 404, 409, 413, 415, 422],
        ),
        schema("ResponseBody"),
    );
    put_response["parameters"] = json!([{"name": "If-Match", "in": "header", "required": false, "schema": {"type": "string"}, "description": "The version last read."}]);
    let mut submit = op(
        "Submit the response",
        "Submits the body when there is one, otherwise what is stored. `Idempotency-Key` makes retries safe: the same key and body return the first answer; the same key with another body gets 422.",
        (200, "The submitted response, with its receipt.", schema("Response")),
        &[400, 401, 403, 404, 409, 413, 415, 422],
    );
    submit["requestBody"] = json!({"required": false, "content": {"application/json": {"schema": schema("ResponseBody")}}});
    submit["parameters"] = json!([
        {"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "maxLength": 255}},
        {"name": "If-Match", "in": "header", "required": false, "schema": {"type": "string"}}
    ]);
    let mut create_cycle = with_body(
        op(
            "Create a cycle",
            "Creates a cycle, as a draft, from its definition and questionnaire. Also accepts `Content-Type: application/toml`.",
            (201, "The new cycle.", schema("Cycle")),
            &[400, 401, 403, 409, 413, 415, 422],
        ),
        schema("CycleDefinition"),
    );
    create_cycle["requestBody"]["content"]["application/toml"] = json!({"schema": {"type": "string"}});
    let mut status = op(
        "Response-rate tracker",
        "Every member of the cycle with where its answer stands. `?format=csv` answers CSV (UTF-8 with BOM).",
        (200, "The tracker.", schema("Tracker")),
        &[401, 403, 404],
    );
    status["parameters"] =
        json!([{"name": "format", "in": "query", "required": false, "schema": {"type": "string", "enum": ["json", "csv"]}}]);

    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "barometer API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Survey collection and analytics for the UNOCT Coordination Mechanism of parliamentary assemblies. Authenticate with `Authorization: Bearer TOKEN` (from `barometer admin create-token` or an invitation) or the web session cookie. Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}`."
        },
        "servers": [{"url": base_url}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/assemblies": {
                "get": op("List the roster", "Secretariat only.", (200, "Every assembly, past and present, with its contact email.", items("RosterEntry")), &[401, 403]),
                "post": with_body(op("Add an assembly", "Secretariat only.", (201, "The assembly.", schema("Assembly")), &[400, 401, 403, 409, 422]), schema("Assembly"))
            },
            "/api/v1/assemblies/{code}/contact": {
                "parameters": [{"name": "code", "in": "path", "required": true, "schema": {"type": "string"}, "description": "The assembly's code, e.g. PAM."}],
                "put": with_body(
                    op(
                        "Set an assembly's contact email",
                        "Secretariat only. Notices of requests to join go to this address as well as to the assembly's focal points. `null` or `\"\"` removes it.",
                        (200, "The assembly's code and its contact email.", json!({"type": "object", "properties": {"code": {"type": "string"}, "contact_email": {"type": "string", "format": "email", "nullable": true}}})),
                        &[400, 401, 403, 404, 422]
                    ),
                    json!({"type": "object", "required": ["contact_email"], "properties": {"contact_email": {"type": "string", "format": "email", "nullable": true}}})
                )
            },
            "/api/v1/cycles": {
                "get": op("List cycles", "Newest first.", (200, "The cycles.", items("CycleSummary")), &[401]),
                "post": create_cycle
            },
            "/api/v1/cycles/{label}": {
                "parameters": [label.clone()],
                "get": op("A cycle and its questionnaire", "Any signed-in caller.", (200, "The cycle.", schema("Cycle")), &[401, 404])
            },
            "/api/v1/cycles/{label}/status": {
                "parameters": [label.clone()],
                "get": status,
                "post": with_body(op("Change the cycle's status", "draft → open → closed → published; a closed cycle can be reopened.", (200, "The cycle.", schema("Cycle")), &[400, 401, 403, 404, 409, 422]),
                    json!({"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["draft", "open", "closed", "published"]}}}))
            },
            "/api/v1/cycles/{label}/invitations": {
                "parameters": [label.clone()],
                "post": with_body(op("Make a focal point's personal link", "Replaces any earlier link for the same assembly and cycle. The token also works as a bearer token for that assembly only.", (201, "The link.", schema("Invitation")), &[400, 401, 403, 404, 422]),
                    json!({"type": "object", "required": ["assembly"], "properties": {"assembly": {"type": "string"}}}))
            },
            "/api/v1/cycles/{label}/responses/{assembly}": {
                "parameters": [label.clone(), assembly.clone()],
                "get": op("An assembly's response", "That assembly's focal point, or the Secretariat. An assembly that has not answered gets an empty response at version 0 with status `not_started`.", (200, "The response.", schema("Response")), &[401, 403, 404]),
                "put": put_response
            },
            "/api/v1/cycles/{label}/responses/{assembly}/submit": {
                "parameters": [label.clone(), assembly],
                "post": submit
            },
            "/api/v1/cycles/{label}/results/priorities": {"parameters": [label.clone()], "get": results_op("Table 1: ranked thematic priorities", "PrioritiesTable")},
            "/api/v1/cycles/{label}/results/regions": {"parameters": [label.clone()], "get": results_op("Table 2: geographic coverage, with per-country coverage", "RegionsTable")},
            "/api/v1/cycles/{label}/results/stability": {"parameters": [label.clone()], "get": results_op("Rank stability: a seeded bootstrap over respondents (2,000 resamples)", "Stability")},
            "/api/v1/cycles/{label}/results/headline": {"parameters": [label.clone()], "get": results_op("Headline figures", "Headline")},
            "/api/v1/compare": {"get": compare_op()},
            "/api/v1/cycles/{label}/import": {"parameters": [label.clone()], "post": import_op()},
            "/api/v1/cycles/{label}/charts/{file}": {"parameters": [label, path_param("file", "priorities, regions, regions-map or stability, with .svg or .png")], "get": chart_op()},
            "/api/v1/charts/{file}": {"parameters": [path_param("file", "compare.svg or compare.png")], "get": compare_chart_op()},
            "/api/v1/membership-requests": {
                "get": op("Requests to join", "Secretariat only. Every expression of interest with its status and history, newest first.", (200, "The requests.", items("MembershipRequest")), &[401, 403]),
                "post": submit_request
            },
            "/api/v1/membership-requests/{id}/decision": {
                "parameters": [request_id.clone()],
                "post": with_body(op("Record the meeting's decision", "Secretariat only. Admission adds the assembly to the roster from the meeting's date under `code`. A decided request gets 409.", (200, "The request.", schema("MembershipRequest")), &[400, 401, 403, 404, 409, 422]),
                    json!({"type": "object", "required": ["meeting", "decision"], "properties": {"meeting": {"type": "integer"}, "decision": {"type": "string", "enum": ["admitted", "declined", "deferred"]}, "code": {"type": "string", "description": "Required for an admission, e.g. IPU."}}}))
            },
            "/api/v1/membership-requests/{id}/notify": {
                "parameters": [request_id.clone()],
                "post": op("Notify the Presidency and every participating assembly", "Secretariat only. In the app and, through the outbox, by email.", (200, "Who was notified.", json!({"type": "object", "properties": {"assemblies": {"type": "array", "items": {"type": "string"}}, "emails": {"type": "integer"}, "smtp_configured": {"type": "boolean"}}})), &[401, 403, 404])
            },
            "/api/v1/membership-requests/{id}/letter": {
                "parameters": [request_id],
                "get": {"summary": "The attached letter", "description": "Secretariat only. `application/pdf` as an attachment.", "responses": {"200": {"description": "The PDF.", "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}, "401": {"description": "No valid token or session."}, "403": {"description": "Not the Secretariat."}, "404": {"description": "No letter."}}}
            },
            "/api/v1/meetings": {
                "get": op("Meetings with their agenda", "Any signed-in caller. By date; `next` marks the next regular meeting, whose agenda lists every request awaiting a decision.", (200, "The meetings.", items("Meeting")), &[401]),
                "post": with_body(op("Record a meeting", "Secretariat only.", (201, "The meeting.", schema("Meeting")), &[400, 401, 403, 409, 422]), schema("Meeting"))
            },
            "/api/v1/presidency": {
                "get": op("The Presidency", "Any signed-in caller. `current` holds today; `items` every term, oldest first.", (200, "The terms.", json!({"type": "object", "properties": {"current": {"nullable": true, "allOf": [schema("Presidency")]}, "items": {"type": "array", "items": schema("Presidency")}}})), &[401]),
                "post": with_body(op("Record a term of the Presidency", "Secretariat only. An open earlier term ends the day before.", (201, "The term.", schema("Presidency")), &[400, 401, 403, 422]), schema("Presidency"))
            },
            "/api/v1/notifications": {
                "get": op("The caller's notifications", "Any signed-in caller; a focal point sees its assembly's, newest first, with `read`.", (200, "The notifications.", items("Notification")), &[401])
            },
            "/api/v1/notifications/{id}/read": {
                "parameters": [path_param("id", "The notification's id.")],
                "post": op("Mark a notification read", "The focal point of the assembly it was sent to.", (200, "Done.", json!({"type": "object", "properties": {"read": {"type": "boolean"}}})), &[401, 403, 404])
            }
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas()
        }
    })
}

fn import_op() -> Value {
    let mut operation = op(
        "Import a past cycle's responses",
        "The body is a CSV (`text/csv`) or XLSX file, one row per assembly (see crates/analytics/IMPORT.md). All or nothing: on any problem nothing is stored and `fields` lists each one by sheet, row and column. Importing the same file again changes nothing.",
        (
            200,
            "What was imported.",
            json!({"type": "object", "properties": {"valid": {"type": "integer"}, "created": {"type": "integer"}, "updated": {"type": "integer"}, "unchanged": {"type": "integer"}, "dry_run": {"type": "boolean"}}}),
        ),
        &[400, 401, 403, 404, 413, 422],
    );
    operation["requestBody"] = json!({"required": true, "content": {"text/csv": {"schema": {"type": "string"}}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}});
    operation["parameters"] = json!([
        {"name": "map", "in": "query", "required": false, "schema": {"type": "string"}, "description": "OLD=NEW code replacement; repeatable."},
        {"name": "dry_run", "in": "query", "required": false, "schema": {"type": "boolean"}}
    ]);
    operation
}

fn format_params() -> Value {
    json!([
        {"name": "format", "in": "query", "required": false, "schema": {"type": "string", "enum": ["json", "csv", "xlsx", "parquet"]}, "description": "JSON by default; CSV is UTF-8 with a BOM; XLSX sheets run right to left for Arabic."},
        {"name": "lang", "in": "query", "required": false, "schema": {"type": "string", "enum": ["en", "fr", "ar", "ru"]}}
    ])
}

fn results_op(summary: &str, schema_name: &str) -> Value {
    let mut operation = op(
        summary,
        "Secretariat and analysts. Computed from submitted responses; cached until any of them changes.",
        (200, "The table.", schema(schema_name)),
        &[400, 401, 403, 404],
    );
    operation["parameters"] = format_params();
    operation
}

fn compare_op() -> Value {
    let mut operation = op(
        "Year-over-year comparison",
        "Joins themes on their stable codes and follows `replaces`; ends with a one-sentence summary in the requested language.",
        (200, "The comparison.", schema("Comparison")),
        &[400, 401, 403, 404, 422],
    );
    let mut params = format_params();
    params.as_array_mut().expect("a list").extend([
        json!({"name": "from", "in": "query", "required": true, "schema": {"type": "string"}}),
        json!({"name": "to", "in": "query", "required": true, "schema": {"type": "string"}}),
    ]);
    operation["parameters"] = params;
    operation
}

fn image_responses() -> Value {
    let mut responses = error_responses(&[400, 401, 403, 404, 422]);
    responses.insert("200".into(), json!({"description": "The chart.", "content": {"image/svg+xml": {"schema": {"type": "string"}}, "image/png": {"schema": {"type": "string", "format": "binary"}}}}));
    Value::Object(responses)
}

fn chart_params() -> Vec<Value> {
    vec![
        json!({"name": "lang", "in": "query", "required": false, "schema": {"type": "string", "enum": ["en", "fr", "ar", "ru"]}}),
        json!({"name": "width", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 200, "maximum": 6000, "default": 1600}, "description": "PNG width in pixels."}),
    ]
}

fn chart_op() -> Value {
    json!({"summary": "A cycle's chart", "description": "SVG, or PNG at the chosen width; labels in the chosen language (Arabic right to left).", "parameters": chart_params(), "responses": image_responses()})
}

fn compare_chart_op() -> Value {
    let mut params = chart_params();
    params.push(json!({"name": "from", "in": "query", "required": true, "schema": {"type": "string"}}));
    params.push(json!({"name": "to", "in": "query", "required": true, "schema": {"type": "string"}}));
    json!({"summary": "The comparison chart", "description": "Ranks in both cycles as a slope chart; risers, fallers, new and dropped themes marked.", "parameters": params, "responses": image_responses()})
}

/// The schemas of joining the Mechanism (apart: one `json!` of every schema passes the macro's
/// recursion limit).
fn membership_schemas() -> Value {
    json!({
        "MembershipRequestBody": {"type": "object", "required": ["assembly_name", "members", "relevance", "contact_email"], "properties": {
            "assembly_name": {"type": "string"}, "members": {"type": "string", "description": "The member parliaments or countries."},
            "relevance": {"type": "string", "description": "Relevance to counter-terrorism and PCVE."}, "contact_email": {"type": "string", "format": "email"}}},
        "MembershipRequest": {"allOf": [schema("MembershipRequestBody"), {"type": "object", "properties": {
            "id": {"type": "string"}, "status": {"type": "string", "enum": ["pending", "admitted", "declined", "deferred"]},
            "meeting": {"type": "integer", "nullable": true}, "code": {"type": "string", "nullable": true}, "lang": {"type": "string"},
            "letter": {"type": "string", "nullable": true, "description": "Where to download the letter."},
            "notified_at": {"type": "string", "nullable": true}, "created_at": {"type": "string"}, "updated_at": {"type": "string"},
            "history": {"type": "array", "items": {"type": "object", "properties": {"at": {"type": "string"}, "actor": {"type": "string"}, "action": {"type": "string"}}}}}}]},
        "Meeting": {"type": "object", "required": ["number", "date", "venue"], "properties": {
            "number": {"type": "integer", "example": 7}, "date": {"type": "string", "format": "date"}, "venue": {"type": "string"},
            "online": {"type": "boolean", "default": false}, "regular": {"type": "boolean", "default": true},
            "next": {"type": "boolean", "readOnly": true},
            "agenda": {"type": "array", "readOnly": true, "items": {"type": "object", "properties": {"id": {"type": "string"}, "assembly_name": {"type": "string"}, "status": {"type": "string"}, "submitted_on": {"type": "string", "format": "date"}}}}}},
        "Presidency": {"type": "object", "required": ["assembly", "starts_on"], "properties": {
            "assembly": {"type": "string", "example": "PAM"}, "starts_on": {"type": "string", "format": "date"}, "ends_on": {"type": "string", "format": "date", "nullable": true}}},
        "Notification": {"type": "object", "properties": {
            "id": {"type": "string"}, "assembly": {"type": "string"}, "kind": {"type": "string"}, "subject": {"type": "string"}, "body": {"type": "string"},
            "request": {"type": "string", "nullable": true}, "created_at": {"type": "string"}, "read": {"type": "boolean"}}}
    })
}

fn schemas() -> Value {
    let mut all = base_schemas();
    if let (Some(map), Value::Object(more)) = (all.as_object_mut(), membership_schemas()) {
        map.extend(more);
    }
    all
}

fn base_schemas() -> Value {
    let labels = json!({"type": "object", "description": "Text by language (en, fr, ar, ru); English is required.", "additionalProperties": {"type": "string"}});
    let codes = json!({"type": "array", "items": {"type": "string"}});
    json!({
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}},
        "Assembly": {"type": "object", "required": ["code", "name", "joined_on"], "properties": {
            "code": {"type": "string", "example": "PAM"}, "name": {"type": "string"}, "joined_on": {"type": "string", "format": "date"}, "left_on": {"type": "string", "format": "date", "nullable": true}}},
        "RosterEntry": {"type": "object", "required": ["code", "name", "joined_on", "contact_email"], "properties": {
            "code": {"type": "string", "example": "PAM"}, "name": {"type": "string"}, "joined_on": {"type": "string", "format": "date"}, "left_on": {"type": "string", "format": "date", "nullable": true},
            "contact_email": {"type": "string", "format": "email", "nullable": true, "description": "Where the Secretariat writes to the assembly, besides its focal points."}}},
        "Theme": {"type": "object", "required": ["code", "labels"], "properties": {"code": {"type": "string"}, "labels": labels, "replaces": codes}},
        "Region": {"type": "object", "required": ["code", "labels"], "properties": {"code": {"type": "string"}, "labels": labels, "parent": {"type": "string", "nullable": true}, "countries": codes}},
        "ActivityKind": {"type": "object", "required": ["code", "labels"], "properties": {"code": {"type": "string"}, "labels": labels}},
        "CycleDefinition": {"type": "object", "required": ["label", "opens_on", "closes_on", "themes", "regions"], "properties": {
            "label": {"type": "string"}, "opens_on": {"type": "string", "format": "date"}, "closes_on": {"type": "string", "format": "date"},
            "max_ranked_themes": {"type": "integer", "minimum": 1, "maximum": 20, "default": 5},
            "tiers": {"type": "object", "properties": {"primary": {"type": "number"}, "secondary": {"type": "number"}}},
            "themes": {"type": "array", "items": schema("Theme")}, "regions": {"type": "array", "items": schema("Region")},
            "activity_kinds": {"type": "array", "items": schema("ActivityKind")}}},
        "Cycle": {"allOf": [schema("CycleDefinition"), {"type": "object", "properties": {"status": {"type": "string", "enum": ["draft", "open", "closed", "published"]}}}]},
        "CycleSummary": {"type": "object", "required": ["label", "opens_on", "closes_on", "status"], "properties": {
            "label": {"type": "string"}, "opens_on": {"type": "string", "format": "date"}, "closes_on": {"type": "string", "format": "date"},
            "status": {"type": "string"}, "max_ranked_themes": {"type": "integer"}}},
        "Activity": {"type": "object", "required": ["title", "kind", "starts_on"], "properties": {
            "id": {"type": "string", "description": "Send it back to keep the activity's identity (and its calendar UID). An activity sent without an id that repeats a stored one exactly (title, kind, dates, place, online, partners, themes, regions) keeps that one's identity too; any other is new."}, "title": {"type": "string"}, "kind": {"type": "string"},
            "starts_on": {"type": "string", "format": "date"}, "ends_on": {"type": "string", "format": "date"},
            "location": {"type": "object", "nullable": true, "properties": {"city": {"type": "string"}, "country": {"type": "string", "description": "ISO 3166-1 alpha-3"}}},
            "online": {"type": "boolean"}, "themes": codes, "regions": codes, "partners": codes,
            "status": {"type": "string", "enum": ["planned", "confirmed", "held", "cancelled"]}}},
        "ResponseBody": {"type": "object", "properties": {
            "themes": {"type": "array", "items": {"type": "string"}, "description": "Ranked: the first is the first priority."},
            "regions": codes, "activities": {"type": "array", "items": schema("Activity")}, "comment": {"type": "string"}}},
        "Response": {"allOf": [schema("ResponseBody"), {"type": "object", "properties": {
            "assembly": {"type": "string"}, "cycle": {"type": "string"}, "status": {"type": "string", "enum": ["not_started", "draft", "submitted"]},
            "version": {"type": "integer"}, "created_at": {"type": "string", "nullable": true}, "updated_at": {"type": "string", "nullable": true},
            "submitted_at": {"type": "string", "nullable": true}, "receipt": {"type": "string", "nullable": true}}}]},
        "Tracker": {"type": "object", "required": ["cycle", "members", "submitted", "rows"], "properties": {
            "cycle": {"type": "string"}, "members": {"type": "integer"}, "submitted": {"type": "integer"}, "drafts": {"type": "integer"},
            "not_started": {"type": "integer"}, "response_rate": {"type": "number"},
            "rows": {"type": "array", "items": {"type": "object", "properties": {
                "assembly": {"type": "string"}, "name": {"type": "string"}, "status": {"type": "string", "enum": ["not_started", "draft", "submitted"]},
                "version": {"type": "integer"}, "invited_at": {"type": "string", "nullable": true}, "updated_at": {"type": "string", "nullable": true},
                "submitted_at": {"type": "string", "nullable": true}}}}}},
        "PrioritiesTable": {"type": "object", "required": ["cycle", "respondents", "members", "rows"], "properties": {
            "cycle": {"type": "string"}, "respondents": {"type": "integer"}, "members": {"type": "integer"},
            "rows": {"type": "array", "items": {"type": "object", "properties": {
                "rank": {"type": "integer"}, "theme": {"type": "string"}, "label": {"type": "string"}, "assemblies": {"type": "integer"},
                "share": {"type": "number"}, "points": {"type": "integer"}, "mean_rank": {"type": "number", "nullable": true},
                "tier": {"type": "string", "enum": ["primary", "secondary", "other"]}}}}}},
        "RegionsTable": {"type": "object", "required": ["cycle", "respondents", "members", "rows", "countries"], "properties": {
            "cycle": {"type": "string"}, "respondents": {"type": "integer"}, "members": {"type": "integer"},
            "rows": {"type": "array", "items": {"type": "object", "properties": {
                "region": {"type": "string"}, "label": {"type": "string"}, "parent": {"type": "string", "nullable": true},
                "assemblies": {"type": "integer"}, "share": {"type": "number"}, "activities": {"type": "integer"}}}},
            "countries": {"type": "array", "items": {"type": "object", "properties": {"iso3": {"type": "string"}, "assemblies": {"type": "integer"}}}}}},
        "Comparison": {"type": "object", "required": ["from", "to", "summary", "rows"], "properties": {
            "from": {"type": "string"}, "to": {"type": "string"}, "summary": {"type": "string"},
            "rows": {"type": "array", "items": {"type": "object", "properties": {
                "theme": {"type": "string"}, "label": {"type": "string"},
                "from": {"type": "object", "nullable": true, "properties": {"rank": {"type": "integer"}, "share": {"type": "number"}}},
                "to": {"type": "object", "nullable": true, "properties": {"rank": {"type": "integer"}, "share": {"type": "number"}}},
                "rank_change": {"type": "integer", "nullable": true}, "share_change": {"type": "number", "nullable": true},
                "movement": {"type": "string", "enum": ["new", "dropped", "up", "down", "same"]}}}}}},
        "Stability": {"type": "object", "properties": {
            "cycle": {"type": "string"}, "respondents": {"type": "integer"}, "resamples": {"type": "integer"}, "seed": {"type": "integer"},
            "rows": {"type": "array", "items": {"type": "object", "properties": {
                "theme": {"type": "string"}, "label": {"type": "string"}, "rank": {"type": "integer"}, "p_top2": {"type": "number"},
                "p_top5": {"type": "number"}, "rank_low": {"type": "integer"}, "rank_high": {"type": "integer"}, "rank_median": {"type": "number"}}}}}},
        "Headline": {"type": "object", "properties": {
            "cycle": {"type": "string"}, "members": {"type": "integer"}, "respondents": {"type": "integer"}, "response_rate": {"type": "number"},
            "themes_ranked": {"type": "integer"}, "regions_named": {"type": "integer"}, "activities_planned": {"type": "integer"},
            "countries_covered": {"type": "integer"}}},
        "Invitation": {"type": "object", "required": ["assembly", "token", "url"], "properties": {
            "assembly": {"type": "string"}, "cycle": {"type": "string"}, "token": {"type": "string"}, "url": {"type": "string"}}}
    })
}
