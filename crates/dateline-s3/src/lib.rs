//! The bytes of uploads in an S3-compatible bucket (AWS S3, MinIO, Garage, R2, …): the
//! [`ObjectStore`] the store puts files into when `[media] storage = "s3"`, so every instance
//! serves every upload from the bucket. Objects are named by content hash, `media/ab/abcdef…`.
//! Depends on dateline-core only; the store decides when to put and delete.
//!
//! Why rusty-s3 and not `object_store`: rusty-s3 only signs requests (sans-IO) and we send
//! them with the reqwest + rustls client the workspace already builds for dateline-fetch.
//! Version 0.8 with default features off adds one crate to the build (its hmac, sha2 and jiff
//! are already here), where `object_store` 0.12 with `aws` adds about twenty (h2, quick-xml,
//! rand 0.9, …). Presigned URLs with an unsigned payload are enough for our four requests.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use dateline_core::config::S3Settings;
use dateline_core::media::{ObjectError, ObjectStore};
use reqwest::StatusCode;
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

/// How long a signed request stays valid: it is sent at once, so only clock skew matters.
const SIGNATURE_LIFETIME: Duration = Duration::from_secs(300);
/// How long one request may take, uploads of the largest file included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A bucket and the keys to it.
pub struct S3Objects {
    bucket: Bucket,
    credentials: Credentials,
    client: reqwest::Client,
}

impl std::fmt::Debug for S3Objects {
    // Never the credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Objects").field("bucket", &self.bucket.name()).field("url", &self.bucket.base_url().as_str()).finish()
    }
}

/// The object key of the file with this hash (256 prefixes, as the media folder has).
pub fn object_key(hash: &str) -> String {
    format!("media/{}/{hash}", hash.get(..2).unwrap_or("00"))
}

impl S3Objects {
    /// The bucket `settings` names, with keys from them (after
    /// [`S3Settings::with_env`]). Nothing is sent: a wrong key shows at the first upload and in
    /// `dateline check`.
    pub fn new(settings: &S3Settings) -> Result<S3Objects, ObjectError> {
        let endpoint = url::Url::parse(&settings.endpoint).map_err(|e| ObjectError(format!("endpoint {:?}: {e}", settings.endpoint)))?;
        let style = if settings.path_style { UrlStyle::Path } else { UrlStyle::VirtualHost };
        let region = settings.region.clone().unwrap_or_else(|| "us-east-1".into());
        let bucket = Bucket::new(endpoint, style, settings.bucket.clone(), region).map_err(|e| {
            let hint = if settings.path_style { "" } else { " (path_style = true addresses the bucket without a host name of its own)" };
            ObjectError(format!("bucket {:?} at {}: {e}{hint}", settings.bucket, settings.endpoint))
        })?;
        let (Some(key), Some(secret)) = (&settings.access_key_id, &settings.secret_access_key) else {
            return Err(ObjectError(format!(
                "[media.s3] needs access_key_id and secret_access_key (or {} and {})",
                dateline_core::config::S3_ACCESS_KEY_ENV,
                dateline_core::config::S3_SECRET_KEY_ENV
            )));
        };
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls_config()?)
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ObjectError(format!("client: {e}")))?;
        Ok(S3Objects { bucket, credentials: Credentials::new(key.clone(), secret.clone()), client })
    }

    /// As an `Arc<dyn ObjectStore>`, as the store takes it.
    pub fn shared(self) -> Arc<dyn ObjectStore> {
        Arc::new(self)
    }
}

/// rustls with ring and the web PKI roots, as dateline-fetch builds it (no process-wide
/// provider to depend on).
fn tls_config() -> Result<rustls::ClientConfig, ObjectError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ObjectError(format!("tls: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The error for a request that got this answer; the URL is left out (it carries a signature).
fn refused(action: &str, hash: &str, status: StatusCode) -> ObjectError {
    ObjectError(format!("{action} {} answered {status}", object_key(hash)))
}

fn unreachable(action: &str, hash: &str, err: &reqwest::Error) -> ObjectError {
    // without_url: the signed URL must not reach a log.
    let kind = if err.is_timeout() { "timed out" } else { "failed" };
    ObjectError(format!("{action} {} {kind}", object_key(hash)))
}

#[async_trait]
impl ObjectStore for S3Objects {
    async fn put(&self, hash: &str, bytes: &[u8], content_type: &str) -> Result<(), ObjectError> {
        let key = object_key(hash);
        let url = self.bucket.put_object(Some(&self.credentials), &key).sign(SIGNATURE_LIFETIME);
        let response = self
            .client
            .put(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(bytes.to_vec())
            .send()
            .await
            .map_err(|e| unreachable("PUT", hash, &e))?;
        match response.status() {
            status if status.is_success() => Ok(()),
            status => Err(refused("PUT", hash, status)),
        }
    }

    async fn get(&self, hash: &str) -> Result<Option<Vec<u8>>, ObjectError> {
        let key = object_key(hash);
        let url = self.bucket.get_object(Some(&self.credentials), &key).sign(SIGNATURE_LIFETIME);
        let response = self.client.get(url).send().await.map_err(|e| unreachable("GET", hash, &e))?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(None),
            status if status.is_success() => Ok(Some(response.bytes().await.map_err(|e| unreachable("GET", hash, &e))?.to_vec())),
            status => Err(refused("GET", hash, status)),
        }
    }

    async fn exists(&self, hash: &str) -> Result<bool, ObjectError> {
        let key = object_key(hash);
        let url = self.bucket.head_object(Some(&self.credentials), &key).sign(SIGNATURE_LIFETIME);
        let response = self.client.head(url).send().await.map_err(|e| unreachable("HEAD", hash, &e))?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(false),
            status if status.is_success() => Ok(true),
            status => Err(refused("HEAD", hash, status)),
        }
    }

    async fn delete(&self, hash: &str) -> Result<(), ObjectError> {
        let key = object_key(hash);
        let url = self.bucket.delete_object(Some(&self.credentials), &key).sign(SIGNATURE_LIFETIME);
        let response = self.client.delete(url).send().await.map_err(|e| unreachable("DELETE", hash, &e))?;
        match response.status() {
            status if status.is_success() || status == StatusCode::NOT_FOUND => Ok(()),
            status => Err(refused("DELETE", hash, status)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_keys_and_a_missing_key_is_named() {
        let settings = S3Settings {
            bucket: "uploads".into(),
            endpoint: "http://127.0.0.1:9000".into(),
            access_key_id: Some("AKID".into()),
            secret_access_key: Some("hunter2".into()),
            path_style: true,
            ..S3Settings::default()
        };
        let objects = S3Objects::new(&settings).expect("valid settings");
        let shown = format!("{objects:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("AKID"), "{shown}");
        let err = S3Objects::new(&S3Settings { secret_access_key: None, ..settings }).expect_err("no secret");
        assert!(err.to_string().contains("DATELINE_S3_SECRET_ACCESS_KEY"), "{err}");
        assert_eq!(object_key("abcdef"), "media/ab/abcdef");
    }
}
