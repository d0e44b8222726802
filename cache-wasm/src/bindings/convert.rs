//! Conversions between JS values and the core's types, and core errors into JS errors.

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::core::config::{self, ConfigError, ErrorKind, Value};

/// How deep option objects are read; deeper objects count as opaque objects.
const MAX_DEPTH: usize = 3;

/// The longest array an option may be; a longer one (say `new Array(4e9)`) is refused before
/// anything is allocated for it.
const MAX_ITEMS: u32 = 1024;

#[wasm_bindgen]
extern "C" {
    /// `Object.keys`, whose throw (a Proxy's trap) comes back as an error.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn object_keys(obj: &JsValue) -> Result<Array, JsValue>;
}

/// Reads the options a cache is built from into a core [`Value`]. Getters that throw become
/// an error.
///
/// Only own properties are read, so the options and each layer's entry must be plain objects:
/// a `Map`, a class instance or an object that inherits its options would otherwise read as
/// empty. Option names are checked before any value is read, so an unknown option is
/// reported as one whatever it holds.
pub fn to_value(options: &JsValue) -> Result<Value, JsValue> {
    if !is_record(options) {
        // Settings says what the options should have been; an array's items are not read.
        return read(options, MAX_DEPTH, "");
    }
    require_plain(
        options,
        "cache options",
        "a plain object ({ maxEntries: … }) or a CacheConfig",
    )?;
    let fields = own_fields(options)?;
    if let Some((name, _)) = fields.iter().find(|(n, _)| config::canonical(n).is_none()) {
        return Err(config_error(&ConfigError::UnknownOption(name.clone())));
    }
    let mut out = Vec::with_capacity(fields.len());
    for (name, key) in fields {
        let value = Reflect::get(options, &key)?;
        let value = if config::canonical(&name) == Some("layers") {
            read_layers(&value, &name)?
        } else {
            read(&value, 1, &name)?
        };
        out.push((name, value));
    }
    Ok(Value::Object(out))
}

/// Reads `layers`: each entry an options object of its own.
fn read_layers(v: &JsValue, path: &str) -> Result<Value, JsValue> {
    if !Array::is_array(v) {
        return read(v, 1, path);
    }
    let mut items = Vec::new();
    for (i, item) in array_items(v, path)?.into_iter().enumerate() {
        let path = format!("{path}[{i}]");
        if !is_record(&item) {
            items.push(read(&item, 2, &path)?);
            continue;
        }
        require_plain(
            &item,
            &format!("option `{path}`"),
            "a plain object ({ name, store })",
        )?;
        let mut fields = Vec::new();
        for (name, key) in own_fields(&item)? {
            // An unknown field is reported by its name; its value is not read.
            let value = if config::LAYER_FIELDS.contains(&name.as_str()) {
                read(&Reflect::get(&item, &key)?, 3, &format!("{path}.{name}"))?
            } else {
                Value::Undefined
            };
            fields.push((name, value));
        }
        items.push(Value::Object(fields));
    }
    Ok(Value::Array(items))
}

/// Reads any value at `depth`; `path` names the option it is in errors (`name`, `layers`).
fn read(v: &JsValue, depth: usize, path: &str) -> Result<Value, JsValue> {
    if v.is_undefined() {
        return Ok(Value::Undefined);
    }
    if v.is_null() {
        return Ok(Value::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(n) = v.as_f64() {
        return Ok(Value::Number(n));
    }
    if let Some(s) = v.as_string() {
        return Ok(Value::Str(s));
    }
    if v.is_function() {
        return Ok(Value::Other("function"));
    }
    if v.is_symbol() {
        return Ok(Value::Other("symbol"));
    }
    if v.is_bigint() {
        return Ok(Value::Other("bigint"));
    }
    if Array::is_array(v) {
        if depth >= MAX_DEPTH {
            return Ok(Value::Array(Vec::new()));
        }
        let mut items = Vec::new();
        for (i, item) in array_items(v, path)?.into_iter().enumerate() {
            items.push(read(&item, depth + 1, &format!("{path}[{i}]"))?);
        }
        return Ok(Value::Array(items));
    }
    if v.is_object() {
        if depth >= MAX_DEPTH {
            return Ok(Value::Object(Vec::new()));
        }
        let mut fields = Vec::new();
        for (name, key) in own_fields(v)? {
            let field = Reflect::get(v, &key)?;
            let value = read(&field, depth + 1, &format!("{path}.{name}"))?;
            fields.push((name, value));
        }
        return Ok(Value::Object(fields));
    }
    Ok(Value::Other("unknown"))
}

/// An object that is neither an array nor a function: what options are given as.
fn is_record(v: &JsValue) -> bool {
    v.is_object() && !v.is_function() && !Array::is_array(v)
}

/// The items of the array `v`, refused when there are more than [`MAX_ITEMS`].
fn array_items(v: &JsValue, path: &str) -> Result<Vec<JsValue>, JsValue> {
    let length = Reflect::get(v, &JsValue::from_str("length"))?
        .as_f64()
        .unwrap_or(0.0);
    if length > f64::from(MAX_ITEMS) {
        return Err(type_error(&format!(
            "cache-wasm: option `{path}` is an array of {length} items; an option's array may have at most {MAX_ITEMS}"
        )));
    }
    let mut items = Vec::new();
    for i in 0..MAX_ITEMS.min(length as u32) {
        items.push(Reflect::get_u32(v, i)?);
    }
    Ok(items)
}

/// The own enumerable string-keyed properties of `v`: each name and its key.
fn own_fields(v: &JsValue) -> Result<Vec<(String, JsValue)>, JsValue> {
    let keys = object_keys(v)?;
    Ok(keys
        .iter()
        .filter_map(|key| key.as_string().map(|name| (name, key)))
        .collect())
}

/// Refuses an object whose prototype is not `null` or an `Object.prototype`: its options
/// might be inherited, and only own properties are read. The error says `what` must be
/// `expected`.
fn require_plain(obj: &JsValue, what: &str, expected: &str) -> Result<(), JsValue> {
    let proto: JsValue = Reflect::get_prototype_of(obj)?.into();
    if proto.is_null() || is_object_prototype(&proto)? {
        return Ok(());
    }
    let got = match constructor_name(&proto)? {
        Some(name) => name,
        None => {
            "an object that inherits from another (inherited properties are not read)".to_string()
        }
    };
    Err(type_error(&format!(
        "cache-wasm: {what} must be {expected}, got {got}"
    )))
}

/// Whether `proto` is `Object.prototype`: this realm's, or another's (an iframe's, a vm
/// context's), known there as the root of the chain whose own constructor is `Object`.
fn is_object_prototype(proto: &JsValue) -> Result<bool, JsValue> {
    let here: JsValue = Reflect::get_prototype_of(&Object::new())?.into();
    if *proto == here {
        return Ok(true);
    }
    let root = Reflect::get_prototype_of(proto)?.is_null();
    Ok(root && constructor_name(proto)?.as_deref() == Some("Object"))
}

/// The name of `proto`'s own `constructor`, when it has one: `Map`, a class's name. Types
/// are told by `typeof`, which holds across realms (`instanceof` does not).
fn constructor_name(proto: &JsValue) -> Result<Option<String>, JsValue> {
    if !proto.is_object() {
        return Ok(None);
    }
    let proto: &Object = proto.unchecked_ref();
    let desc = Reflect::get_own_property_descriptor(proto, &JsValue::from_str("constructor"))?;
    if !desc.is_object() {
        return Ok(None);
    }
    let ctor = Reflect::get(&desc, &JsValue::from_str("value"))?;
    if !ctor.is_function() {
        return Ok(None);
    }
    let name = ctor.unchecked_ref::<Function>().name().as_string();
    Ok(name.filter(|name| !name.is_empty()))
}

/// A `TypeError` with `msg`.
pub fn type_error(msg: &str) -> JsValue {
    js_sys::TypeError::new(msg).into()
}

/// A `RangeError` with `msg`.
pub fn range_error(msg: &str) -> JsValue {
    js_sys::RangeError::new(msg).into()
}

/// The JS error a configuration error becomes.
pub fn config_error(e: &ConfigError) -> JsValue {
    let msg = format!("cache-wasm: {e}");
    match e.kind() {
        ErrorKind::Type => type_error(&msg),
        ErrorKind::Range => range_error(&msg),
    }
}
