//! How the page and the server talk: JSON, for every server function's arguments, answers and
//! errors, and for the data the server renders into the page for hydration.
//!
//! The wire is plain JSON (`curl`, the HTTP tests and the browser's network panel read it). The
//! server writes and reads it with serde_json; the wasm with the browser's own `JSON.parse` and
//! `JSON.stringify` and serde-wasm-bindgen, which keeps serde_json's parser and its float
//! formatting (about 60 KB) out of the bundle. Use [`JsonWire`] on every `#[server]` function
//! and [`WireResource`] (made with `Resource::new_serde_wb`) for every resource.

use serde::Serialize;
use serde::de::DeserializeOwned;
use server_fn::codec::Post;
use server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};

/// Arguments and answers as JSON in the body of a `POST`.
pub type JsonWire = Post<JsonWireEncoding>;

/// A resource whose value reaches the browser as JSON and is read there without serde_json.
pub type WireResource<T> = leptos::prelude::Resource<T, leptos::server::codee::string::JsonSerdeWasmCodec>;

/// The encoding behind [`JsonWire`] (and [`crate::error::AppError`]'s).
pub struct JsonWireEncoding;

impl ContentType for JsonWireEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonWireEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonWireEncoding {
    type Error = String;

    fn encode(value: &T) -> Result<Bytes, String> {
        browser_or_server::encode(value).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonWireEncoding {
    type Error = String;

    fn decode(bytes: Bytes) -> Result<T, String> {
        browser_or_server::decode(&bytes)
    }
}

#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
mod browser_or_server {
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use wasm_bindgen::JsValue;

    fn describe(error: JsValue) -> String {
        error.as_string().unwrap_or_else(|| "the browser could not handle this JSON".to_owned())
    }

    pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
        // JSON-compatible: `None` as `null` (not `undefined`, which JSON leaves out), maps as
        // objects, 64-bit integers as numbers.
        let value = value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| e.to_string())?;
        let text = js_sys::JSON::stringify(&value).map_err(describe)?;
        Ok(String::from(text).into_bytes())
    }

    pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
        let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
        let value = js_sys::JSON::parse(text).map_err(describe)?;
        serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
    }
}

#[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
mod browser_or_server {
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
        serde_json::to_vec(value).map_err(|e| e.to_string())
    }

    pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_keys::{KeyQuery, NewKey};
    use crate::error::{AppError, Field};

    #[test]
    fn the_wire_is_plain_json_both_ways() {
        let new = NewKey { name: "Widget".into(), ..NewKey::blank() };
        let bytes = <JsonWireEncoding as Encodes<NewKey>>::encode(&new).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(json["name"], "Widget");
        assert_eq!(json["expires_at"], serde_json::Value::Null, "None is written as null");
        let back: NewKey = <JsonWireEncoding as Decodes<NewKey>>::decode(bytes).unwrap();
        assert_eq!(back, new);
        let error = AppError::invalid(Field::Name, "Name is required.");
        let bytes = <JsonWireEncoding as Encodes<AppError>>::encode(&error).unwrap();
        assert_eq!(<JsonWireEncoding as Decodes<AppError>>::decode(bytes).unwrap(), error);
        let bad = <JsonWireEncoding as Decodes<KeyQuery>>::decode(Bytes::from_static(b"{\"search\": 3}"));
        assert!(bad.unwrap_err().contains("invalid type"));
    }
}
