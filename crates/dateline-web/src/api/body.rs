//! The one way the API reads a request body: [`ApiBody<T>`], a JSON or form-encoded body
//! deserialized into a handler's request struct, a value that does not fit refused with a 400
//! `rest_invalid_param` naming the field (`categories[0]`, `dateline.source.url`).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::ApiError;
use super::quirks::Flag;

/// A request body read as `T`.
///
/// Extraction only fails when the body cannot be read at all (too large: the body limit's own
/// answer, which the error layer words as WordPress would). A body that does not fit `T` is
/// kept as its refusal until the handler asks for the fields with [`ApiBody::fields`], after
/// its own checks: whoever may not write is told that first, whatever they sent.
pub(crate) struct ApiBody<T>(Result<T, ApiError>);

impl<T> ApiBody<T> {
    /// The body's fields, or the 400 that says which one does not fit.
    pub(crate) fn fields(self) -> Result<T, ApiError> {
        self.0
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiBody<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let form = is_form(request.headers());
        let bytes = Bytes::from_request(request, state).await.map_err(IntoResponse::into_response)?;
        Ok(ApiBody(body_object(form, &bytes).and_then(fields_of)))
    }
}

fn is_form(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
}

/// The body as one JSON object, whether sent as JSON or as a form (WordPress takes both; a
/// form's values are strings, a repeated key's last value wins). Any other content type is
/// read as JSON; an empty body, or JSON that is not an object, has no fields.
///
/// Going through a JSON object rather than deserializing each format directly is what keeps
/// the two formats alike for `T`: same field names, same last-wins rule, same messages.
fn body_object(form: bool, bytes: &[u8]) -> Result<Value, ApiError> {
    let value = if form {
        Value::Object(form_urlencoded::parse(bytes).into_owned().map(|(key, value)| (key, Value::String(value))).collect())
    } else if bytes.is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(bytes)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "rest_invalid_json", format!("Invalid JSON body passed: {e}")))?
    };
    Ok(if value.is_object() { value } else { Value::Object(Map::new()) })
}

/// `T` from the body's object; a value of the wrong shape is refused naming its path.
fn fields_of<T: DeserializeOwned>(object: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(object).map_err(|e| ApiError::invalid_param(&e.path().to_string(), e.inner()))
}

/// The body of a DELETE: only WordPress's `force` (clients such as `wpapi` send it there
/// rather than in the query string).
#[derive(Debug, serde::Deserialize)]
pub(crate) struct DeleteFields {
    force: Option<Flag>,
}

/// WordPress's `force` on a delete, from the query string or the body. A body that does not
/// fit asks for no force, as a query value other than `true`/`1` does.
pub(crate) fn force_requested(query: &std::collections::HashMap<String, String>, body: ApiBody<DeleteFields>) -> bool {
    query.get("force").is_some_and(|f| f == "true" || f == "1") || body.fields().is_ok_and(|b| b.force == Some(Flag(true)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::quirks::IdList;

    #[derive(Debug, serde::Deserialize)]
    struct Fields {
        categories: Option<IdList>,
        sticky: Option<Flag>,
    }

    fn message(result: Result<Fields, ApiError>) -> String {
        format!("{:?}", result.expect_err("refused"))
    }

    #[test]
    fn json_and_forms_read_alike_and_refusals_name_the_field() {
        let json: Fields = body_object(false, br#"{"categories": [1, 2], "sticky": true}"#).and_then(fields_of).expect("json");
        let form: Fields = body_object(true, b"categories=1,2&sticky=1").and_then(fields_of).expect("form");
        assert_eq!((json.categories, json.sticky), (form.categories, form.sticky));
        let empty: Fields = body_object(false, b"").and_then(fields_of).expect("empty");
        assert_eq!((empty.categories, empty.sticky), (None, None));
        let not_object: Fields = body_object(false, b"[1]").and_then(fields_of).expect("a list names no fields");
        assert_eq!(not_object.categories, None);
        let wrong = message(body_object(false, br#"{"categories": "x"}"#).and_then(fields_of));
        assert!(wrong.contains("rest_invalid_param") && wrong.contains("categories ("), "{wrong}");
        let inner = message(body_object(false, br#"{"categories": [1, "x"]}"#).and_then(fields_of));
        assert!(inner.contains("categories[1]"), "{inner}");
        let syntax = message(body_object(false, b"{").and_then(fields_of));
        assert!(syntax.contains("rest_invalid_json"), "{syntax}");
    }
}
