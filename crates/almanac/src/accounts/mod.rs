//! Accounts: registration, sign-in with JWTs, token rotation and blacklisting, login throttling.
//! Handlers call these functions; the HTTP mapping of their errors lives in `api::error`.

pub mod password;
pub mod tokens;

use std::net::IpAddr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use email_address::EmailAddress;
use uuid::Uuid;

use crate::cache::{OwnerCache, Weigh};
use crate::storage::sessions::{self, Session};
use crate::storage::users::{self, EMAIL_UNIQUE, NewUser, User};
use crate::storage::{Db, StorageError, Timestamp, login_throttle, refresh_tokens};
use crate::validation::FieldErrors;
use password::PasswordCheck;
pub use tokens::{TokenError, TokenIssuer, TokenType};

/// Django's limits for the fields we accept.
pub const EMAIL_MAX_LENGTH: usize = 254;
pub const PASSWORD_MAX_LENGTH: usize = 128;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("no active account found with the given credentials")]
    InvalidCredentials,
    #[error("too many failed logins; retry in {retry_after:?}")]
    Throttled { retry_after: Duration },
    #[error("token rejected: {0}")]
    Token(TokenError),
    #[error("token is blacklisted")]
    TokenBlacklisted,
    #[error("the token's user does not exist")]
    UserNotFound,
    #[error("the token's user is inactive")]
    UserInactive,
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// Failed-login limits: per account and per client address, in fixed windows.
#[derive(Debug, Clone)]
pub struct LoginThrottle {
    pub failures_per_account: u32,
    pub failures_per_address: u32,
    pub window: Duration,
}

/// An access and a refresh token, as login and refresh return them.
#[derive(Debug)]
pub struct TokenPair {
    pub access: String,
    pub refresh: String,
}

/// The account service: storage, token signing and throttling rules together.
/// A new browser session: the cookie's value (shown once, stored only as a hash) and the token
/// unsafe requests made with the cookie must carry.
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct Accounts {
    db: Db,
    tokens: Arc<TokenIssuer>,
    throttle: LoginThrottle,
    session_lifetime: Duration,
    /// Accounts by id, for the token check every API request makes.
    users: OwnerCache<Uuid, Option<User>>,
}

impl Weigh for Option<User> {
    fn weigh(&self) -> u64 {
        self.as_ref().map_or(0, |user| {
            (user.email.len() + user.password_hash.len()) as u64
        })
    }
}

/// What a cached account weighs, about: the struct, an email and an argon2 hash.
const TYPICAL_USER_BYTES: u64 = 300;

/// A hash to verify against when the email is unknown, so that a miss costs as much time as a
/// wrong password and response times do not reveal which emails have accounts.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| password::hash_password("almanac-dummy-password").unwrap_or_default());

impl Accounts {
    /// `cache_bytes` bounds the memory that accounts loaded by token checks are kept in.
    pub fn new(
        db: Db,
        tokens: TokenIssuer,
        throttle: LoginThrottle,
        session_lifetime: Duration,
        cache_bytes: u64,
    ) -> Self {
        Accounts {
            users: OwnerCache::new(
                "users",
                db.changes().clone(),
                cache_bytes,
                TYPICAL_USER_BYTES,
            ),
            db,
            tokens: Arc::new(tokens),
            throttle,
            session_lifetime,
        }
    }

    pub fn tokens(&self) -> &TokenIssuer {
        &self.tokens
    }

    /// Checks credentials and issues a token pair, within the failed-login limits.
    /// Signs in for the API: a JWT pair.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<TokenPair, AccountError> {
        let user = self.verify_credentials(email, password, client).await?;
        self.issue_pair(user.id, Timestamp::now()).await
    }

    /// Signs in for the browser: a session held in a cookie.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<NewSession, AccountError> {
        let user = self.verify_credentials(email, password, client).await?;
        Ok(self.start_session(user.id).await?)
    }

    /// Opens a browser session for a user who has just proved who they are.
    pub async fn start_session(&self, user_id: Uuid) -> Result<NewSession, StorageError> {
        let session = NewSession {
            token: random_token(),
            csrf_token: random_token(),
            expires_at: Timestamp::now() + self.session_lifetime,
        };
        sessions::insert_session(
            &self.db,
            &session_hash(&session.token),
            user_id,
            &session.csrf_token,
            session.expires_at,
        )
        .await?;
        Ok(session)
    }

    /// The live session a cookie names, if any.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, StorageError> {
        sessions::find_session(&self.db, &session_hash(token), Timestamp::now()).await
    }

    /// Ends the session a cookie names: the cookie is worthless from now on, wherever it is.
    pub async fn sign_out(&self, token: &str) -> Result<(), StorageError> {
        sessions::delete_session(&self.db, &session_hash(token)).await
    }

    /// The active user with these credentials, counting failures against the account and the
    /// client's address and refusing with 429 once either has failed too often.
    async fn verify_credentials(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<User, AccountError> {
        let now = Timestamp::now();
        let window_opened_after = now - self.throttle.window;
        let account_key = format!("account:{}", email_key(email.trim()));
        let address_key = client.map(|ip| format!("address:{ip}"));
        let limits = [
            Some((account_key.as_str(), self.throttle.failures_per_account)),
            address_key
                .as_deref()
                .map(|key| (key, self.throttle.failures_per_address)),
        ];
        for (key, limit) in limits.into_iter().flatten() {
            if let Some((failures, started)) =
                login_throttle::current_failures(&self.db, key, window_opened_after).await?
                && failures >= limit
            {
                let wait = now.until(started + self.throttle.window);
                return Err(AccountError::Throttled {
                    retry_after: wait.max(Duration::from_secs(1)),
                });
            }
        }

        // No account has such an address, and PostgreSQL could not even look one up with NUL.
        let user = if email.chars().any(char::is_control) {
            None
        } else {
            users::find_user_by_email_key(&self.db, &email_key(email.trim())).await?
        };
        let hash = user
            .as_ref()
            .map_or_else(|| DUMMY_HASH.clone(), |user| user.password_hash.clone());
        let verified = verify_off_executor(password.to_owned(), hash).await?;
        let user = match (user, &verified) {
            (Some(user), Verified::Right { .. }) if user.is_active => user,
            _ => {
                for key in std::iter::once(&account_key).chain(address_key.as_ref()) {
                    login_throttle::record_failure(&self.db, key, now, window_opened_after).await?;
                }
                return Err(AccountError::InvalidCredentials);
            }
        };
        login_throttle::clear_failures(&self.db, &account_key).await?;
        let rehashed = match &verified {
            Verified::Right { rehashed } => rehashed.as_deref(),
            Verified::Wrong => None,
        };
        users::record_login(&self.db, user.id, now, rehashed).await?;
        Ok(user)
    }

    /// Spends a refresh token for a new pair; the spent token is blacklisted.
    pub async fn refresh(&self, refresh: &str) -> Result<TokenPair, AccountError> {
        let claims = self
            .tokens
            .verify(refresh, TokenType::Refresh)
            .map_err(AccountError::Token)?;
        self.active_user(claims.user_id).await?;
        let now = Timestamp::now();
        if !refresh_tokens::blacklist_refresh_token(&self.db, &claims.jti, now).await? {
            return Err(AccountError::TokenBlacklisted);
        }
        self.issue_pair(claims.user_id, now).await
    }

    /// Blacklists a refresh token so that it never works again.
    pub async fn logout(&self, refresh: &str) -> Result<(), AccountError> {
        let claims = self
            .tokens
            .verify(refresh, TokenType::Refresh)
            .map_err(AccountError::Token)?;
        if !refresh_tokens::blacklist_refresh_token(&self.db, &claims.jti, Timestamp::now()).await?
        {
            return Err(AccountError::TokenBlacklisted);
        }
        Ok(())
    }

    /// The active user an access token belongs to.
    pub async fn authenticate(&self, access: &str) -> Result<User, AccountError> {
        let claims = self
            .tokens
            .verify(access, TokenType::Access)
            .map_err(AccountError::Token)?;
        self.active_user(claims.user_id).await
    }

    async fn active_user(&self, id: Uuid) -> Result<User, AccountError> {
        let user = self
            .users
            .get_or_load(id, id, users::find_user(&self.db, id))
            .await?;
        match user {
            None => Err(AccountError::UserNotFound),
            Some(user) if !user.is_active => Err(AccountError::UserInactive),
            Some(user) => Ok(user),
        }
    }

    async fn issue_pair(&self, user_id: Uuid, now: Timestamp) -> Result<TokenPair, AccountError> {
        let refresh = self.tokens.sign(TokenType::Refresh, user_id, now);
        refresh_tokens::insert_refresh_token(&self.db, &refresh.jti, user_id, refresh.expires_at)
            .await?;
        let access = self.tokens.sign(TokenType::Access, user_id, now);
        Ok(TokenPair {
            access: access.token,
            refresh: refresh.token,
        })
    }

    /// Deletes expired refresh tokens and closed throttle windows.
    pub async fn purge_expired(&self) -> Result<u64, StorageError> {
        let now = Timestamp::now();
        let tokens = refresh_tokens::purge_expired_refresh_tokens(&self.db, now).await?;
        let windows =
            login_throttle::purge_closed_windows(&self.db, now - self.throttle.window).await?;
        let sessions = sessions::purge_expired_sessions(&self.db, now).await?;
        Ok(tokens + windows + sessions)
    }
}

/// Creates an account after validating the email and the password policy.
/// 32 random bytes, hex-encoded.
fn random_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

fn session_hash(token: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).to_vec()
}

pub async fn register(
    db: &Db,
    email: &str,
    password: &str,
    is_staff: bool,
) -> Result<User, AccountError> {
    let mut errors = FieldErrors::new();
    let email = match normalize_email(email) {
        Ok(email) => Some(email),
        Err(message) => {
            errors.add("email", message);
            None
        }
    };
    if password.chars().count() > PASSWORD_MAX_LENGTH {
        errors.add(
            "password",
            format!("Ensure this field has no more than {PASSWORD_MAX_LENGTH} characters."),
        );
    } else {
        for problem in password::password_problems(password, email.as_deref().unwrap_or_default()) {
            errors.add("password", problem);
        }
    }
    errors.into_result().map_err(AccountError::Invalid)?;
    let email = email.unwrap_or_default();

    let hash = hash_off_executor(password.to_owned()).await?;
    let new = NewUser {
        email: &email,
        email_key: &email_key(&email),
        password_hash: &hash,
        is_staff,
    };
    users::insert_user(db, &new)
        .await
        .map_err(|error| match error {
            StorageError::Conflict { constraint } if constraint == EMAIL_UNIQUE => {
                AccountError::Invalid(FieldErrors::single(
                    "email",
                    "user with this email already exists.",
                ))
            }
            other => other.into(),
        })
}

/// Trims the email, lowercases its domain (as Django's `normalize_email`) and validates it.
pub fn normalize_email(raw: &str) -> Result<String, &'static str> {
    const INVALID: &str = "Enter a valid email address.";
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("This field may not be blank.");
    }
    if trimmed.chars().any(char::is_control) {
        return Err(INVALID);
    }
    if trimmed.chars().count() > EMAIL_MAX_LENGTH {
        return Err("Ensure this field has no more than 254 characters.");
    }
    let (local, domain) = trimmed.rsplit_once('@').ok_or(INVALID)?;
    let normalized = format!("{local}@{}", domain.to_lowercase());
    let parsed = EmailAddress::parse_with_options(
        &normalized,
        email_address::Options::default()
            .without_display_text()
            .without_domain_literal(),
    )
    .map_err(|_| INVALID)?;
    // Like Django's validator: a public-looking domain, with a dot and a label after it.
    let domain_ok =
        parsed.domain().split('.').count() >= 2 && !parsed.domain().split('.').any(str::is_empty);
    if !domain_ok || local.chars().any(char::is_whitespace) {
        return Err(INVALID);
    }
    Ok(normalized)
}

/// The key emails are unique on: the whole address, case-folded.
fn email_key(email: &str) -> String {
    email.to_lowercase()
}

/// Argon2id takes 19 MiB and a core's worth of work per hash: hashes run at most one per core at
/// a time, so a burst of sign-ins waits its turn instead of multiplying memory and threads.
static HASHING_SLOTS: LazyLock<Arc<tokio::sync::Semaphore>> =
    LazyLock::new(|| Arc::new(tokio::sync::Semaphore::new(hashing_slot_count())));

fn hashing_slot_count() -> usize {
    std::thread::available_parallelism().map_or(2, |cores| cores.get())
}

/// Runs password work on the blocking pool, within [`HASHING_SLOTS`]. The slot goes with the work,
/// not with the request: a client that hangs up mid-hash cannot free it for another hash while
/// the first still runs.
async fn off_executor<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AccountError> {
    let slot = HASHING_SLOTS
        .clone()
        .acquire_owned()
        .await
        .map_err(|error| AccountError::Hashing(error.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let result = work();
        drop(slot);
        result
    })
    .await
    .map_err(|error| AccountError::Hashing(error.to_string()))
}

async fn hash_off_executor(password: String) -> Result<String, AccountError> {
    off_executor(move || password::hash_password(&password))
        .await?
        .map_err(|error| AccountError::Hashing(error.to_string()))
}

/// What signing in learnt of the password.
enum Verified {
    Wrong,
    /// `rehashed`: the password hashed again with today's parameters, when the stored hash was
    /// made with older ones (as Django upgrades hashes at sign-in).
    Right {
        rehashed: Option<String>,
    },
}

async fn verify_off_executor(password: String, hash: String) -> Result<Verified, AccountError> {
    off_executor(move || match password::check_password(&password, &hash) {
        PasswordCheck::Wrong => Verified::Wrong,
        PasswordCheck::Right => Verified::Right { rehashed: None },
        // A failure to hash again keeps the old hash, which still works.
        PasswordCheck::RightButOutdated => Verified::Right {
            rehashed: password::hash_password(&password).ok(),
        },
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_client_that_hangs_up_mid_hash_does_not_free_its_hashing_slot() {
        static RUNNING: AtomicUsize = AtomicUsize::new(0);
        static MOST_AT_ONCE: AtomicUsize = AtomicUsize::new(0);
        fn hash() {
            let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
            MOST_AT_ONCE.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(200));
            RUNNING.fetch_sub(1, Ordering::SeqCst);
        }
        let slots = hashing_slot_count();
        for _ in 0..slots {
            let request = tokio::spawn(off_executor(hash));
            tokio::time::sleep(Duration::from_millis(20)).await;
            request.abort();
        }
        let waiting: Vec<_> = (0..slots)
            .map(|_| tokio::spawn(off_executor(hash)))
            .collect();
        for request in waiting {
            request.await.expect("joined").expect("hashed");
        }
        assert!(MOST_AT_ONCE.load(Ordering::SeqCst) <= slots);
    }

    #[test]
    fn an_email_keeps_its_local_part_and_lowercases_its_domain() {
        assert_eq!(
            normalize_email("  Ada.Lovelace@Example.COM ").as_deref(),
            Ok("Ada.Lovelace@example.com")
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for email in [
            "ada",
            "ada@",
            "@example.com",
            "ada@localhost",
            "ada lovelace@example.com",
            "ada@example..com",
            "Ada <ada@example.com>",
        ] {
            assert_eq!(
                normalize_email(email),
                Err("Enter a valid email address."),
                "{email}"
            );
        }
    }

    #[test]
    fn a_blank_email_is_refused_as_blank() {
        assert_eq!(normalize_email("   "), Err("This field may not be blank."));
    }
}
