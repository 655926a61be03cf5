//! Reading request bodies with a size limit, answering in the contract's error shape.

use actix_web::web;
use futures_util::StreamExt;

use crate::error::{ApiError, ErrorCode};

pub fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the body is larger than the {} KiB allowed; send less (or raise BAROMETER_JSON_LIMIT_KIB)", limit / 1024),
    )
}

/// The whole body, refusing (413) as soon as it passes `limit` bytes.
pub async fn read_limited(mut payload: web::Payload, limit: usize) -> Result<web::Bytes, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::new(ErrorCode::MalformedRequest, format!("the body could not be read: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The text fields (and uploaded files, as text) of a multipart form, each at most `limit` bytes
/// in all.
pub async fn multipart_fields(form: actix_multipart::Multipart, limit: usize) -> Result<Vec<(String, String)>, ApiError> {
    multipart_file_fields(form, limit)
        .await?
        .into_iter()
        .map(|(name, _, bytes)| {
            String::from_utf8(bytes).map(|text| (name.clone(), text)).map_err(|_| {
                ApiError::new(
                    ErrorCode::MalformedRequest,
                    format!("the field {name:?} is not UTF-8 text; save the file as UTF-8 and try again"),
                )
            })
        })
        .collect()
}

/// The fields of a multipart form as (name, file name, bytes), at most `limit` bytes in all.
pub async fn multipart_file_fields(mut form: actix_multipart::Multipart, limit: usize) -> Result<Vec<(String, String, Vec<u8>)>, ApiError> {
    let mut fields = Vec::new();
    let mut total = 0usize;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| ApiError::new(ErrorCode::MalformedRequest, format!("the form could not be read: {e}")))?;
        let name = field.name().unwrap_or_default().to_owned();
        // Only the base name: a client's path must never reach anything that might touch a disk.
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(|f| f.rsplit(['/', '\\']).next().unwrap_or_default().to_owned())
            .unwrap_or_default();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| ApiError::new(ErrorCode::MalformedRequest, format!("the form could not be read: {e}")))?;
            total += chunk.len();
            if total > limit {
                return Err(too_large(limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        fields.push((name, file_name, bytes));
    }
    Ok(fields)
}
