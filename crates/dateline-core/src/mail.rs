//! Outgoing mail as the rest of Dateline sees it: a message and something that sends it.
//! The SMTP implementation lives in its own crate so only the binary links the mail stack.

use async_trait::async_trait;

/// One plain-text message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
    /// A one-click unsubscribe URL (RFC 8058), when the mail is a subscription.
    pub unsubscribe_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("mail not sent: {0}")]
pub struct MailError(pub String);

#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    async fn send(&self, mail: Mail) -> Result<(), MailError>;
}
