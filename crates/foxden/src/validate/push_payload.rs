//! The payloads `POST /account/devices/notify` may push: Mozilla's
//! `pushpayloads.schema.json` (draft-04), as typed serde: one of
//! `device_connected {deviceName}`, `device_disconnected {id}`,
//! `profile_updated`, `sync:collection_changed {collections}` (1+ distinct
//! names of Sync's collections), `password_changed`, `password_reset`, each with
//! an integer `version` and no other field.

use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceConnected {
    #[serde(rename = "deviceName")]
    _device_name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceDisconnected {
    #[serde(rename = "id")]
    _id: String,
}

#[derive(Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
enum Collection {
    Addons,
    Bookmarks,
    History,
    Forms,
    Prefs,
    Tabs,
    Passwords,
    Clients,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CollectionsChanged {
    collections: Vec<Collection>,
}

#[derive(Deserialize)]
#[serde(tag = "command", deny_unknown_fields)]
enum Payload {
    #[serde(rename = "fxaccounts:device_connected")]
    DeviceConnected {
        #[serde(rename = "version")]
        _version: i64,
        #[serde(rename = "data")]
        _data: DeviceConnected,
    },
    #[serde(rename = "fxaccounts:device_disconnected")]
    DeviceDisconnected {
        #[serde(rename = "version")]
        _version: i64,
        #[serde(rename = "data")]
        _data: DeviceDisconnected,
    },
    #[serde(rename = "fxaccounts:profile_updated")]
    ProfileUpdated {
        #[serde(rename = "version")]
        _version: i64,
    },
    #[serde(rename = "sync:collection_changed")]
    CollectionsChanged {
        #[serde(rename = "version")]
        _version: i64,
        data: CollectionsChanged,
    },
    #[serde(rename = "fxaccounts:password_changed")]
    PasswordChanged {
        #[serde(rename = "version")]
        _version: i64,
    },
    #[serde(rename = "fxaccounts:password_reset")]
    PasswordReset {
        #[serde(rename = "version")]
        _version: i64,
    },
}

/// Whether `payload` matches the push payload schema.
pub fn is_valid(payload: &Value) -> bool {
    match Payload::deserialize(payload) {
        Ok(Payload::CollectionsChanged { data, .. }) => {
            let mut names = data.collections;
            let count = names.len();
            names.sort();
            names.dedup();
            count > 0 && names.len() == count
        }
        Ok(_) => true,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_valid;
    use serde_json::json;

    #[test]
    fn the_schemas_payloads_pass_and_nothing_else() {
        for ok in [
            json!({"version": 1, "command": "fxaccounts:device_connected", "data": {"deviceName": "x"}}),
            json!({"version": 1, "command": "fxaccounts:device_disconnected", "data": {"id": "ab"}}),
            json!({"version": 1, "command": "fxaccounts:profile_updated"}),
            json!({"version": 2, "command": "sync:collection_changed", "data": {"collections": ["tabs", "clients"]}}),
            json!({"version": 1, "command": "fxaccounts:password_changed"}),
            json!({"version": 1, "command": "fxaccounts:password_reset"}),
        ] {
            assert!(is_valid(&ok), "{ok}");
        }
        for bad in [
            json!({}),
            json!("fxaccounts:profile_updated"),
            json!({"command": "fxaccounts:profile_updated"}),
            json!({"version": "1", "command": "fxaccounts:profile_updated"}),
            json!({"version": 1.5, "command": "fxaccounts:profile_updated"}),
            json!({"version": 1, "command": "fxaccounts:profile_updated", "data": {}}),
            json!({"version": 1, "command": "fxaccounts:account_destroyed", "data": {"uid": "x"}}),
            json!({"version": 1, "command": "fxaccounts:command_received", "data": {}}),
            json!({"version": 1, "command": "fxaccounts:device_connected"}),
            json!({"version": 1, "command": "fxaccounts:device_connected", "data": {"deviceName": 3}}),
            json!({"version": 1, "command": "fxaccounts:device_connected", "data": {"deviceName": "x", "more": 1}}),
            json!({"version": 1, "command": "fxaccounts:device_disconnected", "data": {}}),
            json!({"version": 1, "command": "sync:collection_changed", "data": {"collections": []}}),
            json!({"version": 1, "command": "sync:collection_changed", "data": {"collections": ["tabs", "tabs"]}}),
            json!({"version": 1, "command": "sync:collection_changed", "data": {"collections": ["cookies"]}}),
        ] {
            assert!(!is_valid(&bad), "{bad}");
        }
    }
}
