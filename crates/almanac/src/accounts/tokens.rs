//! JWTs compatible with djangorestframework-simplejwt: HS256 only, claims `token_type`, `user_id`,
//! `jti`, `exp`, `iat`. An access token is never taken as a refresh token, nor the reverse.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::SecretKey;
use crate::storage::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    Access,
    Refresh,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub token_type: TokenType,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub user_id: Uuid,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("token is expired")]
    Expired,
    #[error("token has wrong type")]
    WrongType,
    #[error("token is invalid")]
    Invalid,
}

/// A freshly signed token with what storage needs to know of it.
#[derive(Debug)]
pub struct SignedToken {
    pub token: String,
    pub jti: String,
    pub expires_at: Timestamp,
}

/// Signs and checks tokens with the instance's secret key.
pub struct TokenIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    access_lifetime: Duration,
    refresh_lifetime: Duration,
}

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("access_lifetime", &self.access_lifetime)
            .field("refresh_lifetime", &self.refresh_lifetime)
            .finish_non_exhaustive()
    }
}

impl TokenIssuer {
    pub fn new(secret: &SecretKey, access_lifetime: Duration, refresh_lifetime: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iat", "jti", "token_type", "user_id"]);
        TokenIssuer {
            encoding: EncodingKey::from_secret(secret.expose()),
            decoding: DecodingKey::from_secret(secret.expose()),
            validation,
            access_lifetime,
            refresh_lifetime,
        }
    }

    pub fn sign(&self, token_type: TokenType, user_id: Uuid, now: Timestamp) -> SignedToken {
        let lifetime = match token_type {
            TokenType::Access => self.access_lifetime,
            TokenType::Refresh => self.refresh_lifetime,
        };
        let expires_at = now + lifetime;
        let claims = Claims {
            token_type,
            exp: expires_at.as_jiff().as_second(),
            iat: now.as_jiff().as_second(),
            jti: Uuid::new_v4().simple().to_string(),
            user_id,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing of serializable claims cannot fail");
        SignedToken {
            token,
            jti: claims.jti,
            expires_at,
        }
    }

    /// Verifies signature, algorithm, expiry and type.
    pub fn verify(&self, token: &str, expected: TokenType) -> Result<Claims, TokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|error| match error.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        if data.claims.token_type != expected {
            return Err(TokenError::WrongType);
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> TokenIssuer {
        let key = SecretKey::new(vec![7; 32]);
        TokenIssuer::new(
            &key,
            Duration::from_secs(90 * 60),
            Duration::from_secs(7 * 86_400),
        )
    }

    #[test]
    fn an_access_token_verifies_as_access_with_its_claims() {
        let user = Uuid::now_v7();
        let signed = issuer().sign(TokenType::Access, user, Timestamp::now());
        let claims = issuer()
            .verify(&signed.token, TokenType::Access)
            .expect("valid token");
        assert_eq!(claims.user_id, user);
        assert_eq!(claims.jti, signed.jti);
        assert_eq!(claims.exp - claims.iat, 90 * 60);
    }

    #[test]
    fn an_access_token_is_not_a_refresh_token_nor_the_reverse() {
        let user = Uuid::now_v7();
        let access = issuer().sign(TokenType::Access, user, Timestamp::now());
        let refresh = issuer().sign(TokenType::Refresh, user, Timestamp::now());
        assert_eq!(
            issuer()
                .verify(&access.token, TokenType::Refresh)
                .expect_err("refused"),
            TokenError::WrongType
        );
        assert_eq!(
            issuer()
                .verify(&refresh.token, TokenType::Access)
                .expect_err("refused"),
            TokenError::WrongType
        );
    }

    #[test]
    fn an_expired_token_is_refused() {
        let long_ago = Timestamp::now() - Duration::from_secs(30 * 86_400);
        let signed = issuer().sign(TokenType::Refresh, Uuid::now_v7(), long_ago);
        assert_eq!(
            issuer()
                .verify(&signed.token, TokenType::Refresh)
                .expect_err("refused"),
            TokenError::Expired
        );
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let other = TokenIssuer::new(
            &SecretKey::new(vec![9; 32]),
            Duration::from_secs(60),
            Duration::from_secs(60),
        );
        let signed = other.sign(TokenType::Access, Uuid::now_v7(), Timestamp::now());
        assert_eq!(
            issuer()
                .verify(&signed.token, TokenType::Access)
                .expect_err("refused"),
            TokenError::Invalid
        );
    }

    #[test]
    fn a_token_with_the_none_algorithm_is_refused() {
        // header {"alg":"none","typ":"JWT"}, claims of a valid access token, empty signature.
        let header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
        let signed = issuer().sign(TokenType::Access, Uuid::now_v7(), Timestamp::now());
        let claims = signed.token.split('.').nth(1).expect("three parts");
        let forged = format!("{header}.{claims}.");
        assert_eq!(
            issuer()
                .verify(&forged, TokenType::Access)
                .expect_err("refused"),
            TokenError::Invalid
        );
    }
}
