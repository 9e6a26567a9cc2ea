//! OpenAPI schemas of the validated request types in [`crate::validate`]: each
//! says what its `Deserialize` accepts (type, length, pattern), so the document
//! describes the validation that runs.

use std::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::validate::{
    Alnum, Bounded, ClientSalt, Digits, Email, Hex, RequestedVerification, Service,
};

fn string(min: Option<usize>, max: Option<usize>, pattern: Option<&str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(min)
        .max_length(max)
        .pattern(pattern)
        .into()
}

impl<const N: usize> PartialSchema for Hex<N> {
    fn schema() -> RefOr<Schema> {
        string(Some(2 * N), Some(2 * N), Some("^(?:[a-fA-F0-9]{2})+$"))
    }
}

impl<const N: usize> ToSchema for Hex<N> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("Hex{}", 2 * N))
    }
}

impl<const MAX: usize> PartialSchema for Bounded<MAX> {
    fn schema() -> RefOr<Schema> {
        string(None, Some(MAX), None)
    }
}

impl<const MAX: usize> ToSchema for Bounded<MAX> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("String{MAX}"))
    }
}

impl<const LEN: usize> PartialSchema for Alnum<LEN> {
    fn schema() -> RefOr<Schema> {
        string(Some(LEN), Some(LEN), Some("^[a-zA-Z0-9]*$"))
    }
}

impl<const LEN: usize> ToSchema for Alnum<LEN> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("Alnum{LEN}"))
    }
}

impl<const LEN: usize> PartialSchema for Digits<LEN> {
    fn schema() -> RefOr<Schema> {
        string(Some(LEN), Some(LEN), Some("^[0-9]*$"))
    }
}

impl<const LEN: usize> ToSchema for Digits<LEN> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("Digits{LEN}"))
    }
}

impl PartialSchema for Email {
    fn schema() -> RefOr<Schema> {
        string(Some(3), Some(255), None)
    }
}

impl ToSchema for Email {}

impl PartialSchema for Service {
    fn schema() -> RefOr<Schema> {
        string(None, Some(16), Some("^[a-zA-Z0-9\\-]*$"))
    }
}

impl ToSchema for Service {}

impl PartialSchema for ClientSalt {
    fn schema() -> RefOr<Schema> {
        string(
            None,
            Some(128),
            Some(
                "^identity\\.mozilla\\.com\\/picl\\/v1\\/quickStretch:|^identity\\.mozilla\\.com\\/picl\\/v1\\/quickStretchV2:",
            ),
        )
    }
}

impl ToSchema for ClientSalt {}

impl PartialSchema for RequestedVerification {
    fn schema() -> RefOr<Schema> {
        let all = [
            Self::Email,
            Self::EmailOtp,
            Self::Email2fa,
            Self::EmailCaptcha,
            Self::Totp2fa,
        ];
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(all.iter().map(|m| m.as_str())))
            .into()
    }
}

impl ToSchema for RequestedVerification {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("VerificationMethod")
    }
}
