//! SMTP delivery of [`dateline_core::mail::Mail`] through lettre, configured by `[smtp]`.
//!
//! Plain SMTP for a local relay, or STARTTLS / implicit TLS (rustls, with the web's root
//! certificates) for a mail provider, with optional AUTH. Must not be depended on by the web
//! crate, which sees only the `Mailer` trait.

use async_trait::async_trait;
use dateline_core::config::{SmtpSecurity, SmtpSettings};
use dateline_core::mail::{Mail, MailError, Mailer};
use lettre::message::Mailbox;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Sends mail through one SMTP server.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds credentials; say only where mail goes from.
        write!(f, "SmtpMailer(from {})", self.from)
    }
}

impl SmtpMailer {
    /// Checks the settings; connects only when a message is sent.
    pub fn new(settings: &SmtpSettings) -> Result<SmtpMailer, MailError> {
        let from: Mailbox = settings.from.parse().map_err(|e| MailError(format!("smtp.from {:?}: {e}", settings.from)))?;
        let tls_error = |e: lettre::transport::smtp::Error| MailError(format!("smtp.host {:?}: {e}", settings.host));
        let builder = match settings.effective_security() {
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host),
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host).map_err(tls_error)?,
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host).map_err(tls_error)?,
        };
        let mut builder = builder.port(settings.port);
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(SmtpMailer { transport: builder.build(), from })
    }
}

#[derive(Clone)]
struct ListUnsubscribe(String);

impl lettre::message::header::Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(text: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(text.trim_matches(['<', '>']).to_string()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

#[derive(Clone)]
struct ListUnsubscribePost;

impl lettre::message::header::Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_string())
    }
}

/// Builds the message lettre sends (apart from sending, so it can be checked).
pub fn message(from: &Mailbox, mail: &Mail) -> Result<Message, MailError> {
    let to: Mailbox = mail.to.parse().map_err(|e| MailError(format!("recipient: {e}")))?;
    let mut builder = Message::builder().from(from.clone()).to(to).subject(mail.subject.clone());
    if let Some(url) = &mail.unsubscribe_url {
        builder = builder.header(ListUnsubscribe(url.clone())).header(ListUnsubscribePost);
    }
    builder.body(mail.body.clone()).map_err(|e| MailError(e.to_string()))
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: Mail) -> Result<(), MailError> {
        let message = message(&self.from, &mail)?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| MailError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dateline_testkit::smtp::SmtpSink;

    #[tokio::test]
    async fn delivers_to_a_real_smtp_server() {
        let sink = SmtpSink::start().await;
        let settings = SmtpSettings {
            host: "127.0.0.1".into(),
            port: sink.port,
            from: "The Daily Clip <blog@example.org>".into(),
            username: None,
            password: None,
            security: None,
        };
        assert_eq!(settings.effective_security(), SmtpSecurity::None, "any port but 465 and 587 is plain");
        let mailer = SmtpMailer::new(&settings).expect("settings");
        let mail = Mail {
            to: "reader@example.org".into(),
            subject: "A reply to your comment".into(),
            body: "Someone replied.\n".into(),
            unsubscribe_url: Some("http://dateline.test/comments/unsubscribe?c=1&t=x".into()),
        };
        mailer.send(mail).await.expect("sent");
        let received = sink.wait_for(1).await;
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].from, "blog@example.org");
        assert_eq!(received[0].to, ["reader@example.org"]);
        assert!(received[0].data.contains("Subject: A reply to your comment"), "{}", received[0].data);
        assert!(received[0].data.contains("List-Unsubscribe: <http://dateline.test/comments/unsubscribe?c=1&t=x>"), "{}", received[0].data);
        assert!(received[0].data.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    }

    #[test]
    fn refuses_a_bad_from_address() {
        let settings =
            SmtpSettings { host: "h".into(), port: 25, from: "not an address".into(), username: None, password: None, security: None };
        assert!(SmtpMailer::new(&settings).expect_err("bad from").0.contains("smtp.from"));
        // Encrypted transports are built from the port's convention or the setting.
        for (port, security) in [(587, SmtpSecurity::Starttls), (465, SmtpSecurity::Tls)] {
            let settings = SmtpSettings {
                host: "smtp.example.org".into(),
                port,
                from: "a@example.org".into(),
                username: Some("a".into()),
                password: Some("p".into()),
                security: None,
            };
            assert_eq!(settings.effective_security(), security);
            assert!(SmtpMailer::new(&settings).is_ok());
        }
    }
}
