//! Conversions between JS values and the core's types, and core errors into JS errors.

use js_sys::{Array, Function, JsString, Object, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::core::config::{self, ConfigError, ErrorKind, Value};

/// The longest array an option may be; a longer one (say `new Array(4e9)`) is refused before
/// anything is allocated for it.
const MAX_ITEMS: u32 = 1024;

/// The most UTF-16 units of a string option copied into WebAssembly memory: a longer string is
/// read as its first `MAX_STRING_UNITS` units, which is more than
/// [`config::MAX_STRING_CHARS`] characters, so the option refuses it as it would the whole.
/// Memory grown for a bad option would stay: WebAssembly memory never shrinks.
const MAX_STRING_UNITS: u32 = 2 * config::MAX_STRING_CHARS as u32 + 2;

/// The most UTF-16 units of an option's or a layer field's name copied: longer than any
/// option's name, so a longer one is reported as unknown by its start.
const MAX_NAME_UNITS: u32 = 64;

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
/// reported as one whatever it holds. Values are read only as far as the settings look at
/// them: an object or array where the settings take a number or a string is read as its type
/// alone, and a string only up to a length no option takes.
///
/// Each option is read once (a getter or a Proxy trap runs once), and so is each field of a
/// layer's entry. The layers come back as read, as fresh `{ name, store, timeoutMs }` objects,
/// for the wrapper to use: reading the caller's objects again could give other values than
/// those the settings were checked with.
pub fn to_value(options: &JsValue) -> Result<(Value, Array), JsValue> {
    let layers = Array::new();
    if !is_record(options) {
        // Settings says what the options should have been; an array's items are not read.
        return Ok((read(options), layers));
    }
    require_plain(
        options,
        "cache options",
        "a plain object ({ maxEntries: … }) or a CacheConfig",
    )?;
    let mut fields = Vec::new();
    for (name, key) in own_fields(options)? {
        let Some(option) = config::canonical(&name) else {
            return Err(config_error(&ConfigError::UnknownOption(name)));
        };
        fields.push((name, key, option));
    }
    let mut out = Vec::with_capacity(fields.len());
    for (name, key, option) in fields {
        let value = Reflect::get(options, &key)?;
        let value = if option == "layers" {
            read_layers(&value, &name, &layers)?
        } else {
            read(&value)
        };
        out.push((name, value));
    }
    Ok((Value::Object(out), layers))
}

/// Reads `layers`: each entry an options object of its own, whose fields are also copied,
/// as read, into a fresh object appended to `entries`.
fn read_layers(v: &JsValue, path: &str, entries: &Array) -> Result<Value, JsValue> {
    if !Array::is_array(v) {
        return Ok(read(v));
    }
    let mut items = Vec::new();
    for (i, item) in array_items(v, path)?.into_iter().enumerate() {
        if !is_record(&item) {
            items.push(read(&item));
            continue;
        }
        require_plain(
            &item,
            &format!("option `{path}[{i}]`"),
            "a plain object ({ name, store })",
        )?;
        let mut fields = Vec::new();
        let entry = Object::new();
        for (name, key) in own_fields(&item)? {
            // An unknown field is reported by its name; its value is not read, nor the fields
            // after it.
            if !config::LAYER_FIELDS.contains(&name.as_str()) {
                fields.push((name, Value::Undefined));
                break;
            }
            let value = Reflect::get(&item, &key)?;
            fields.push((name, read(&value)));
            Reflect::set(&entry, &key, &value)?;
        }
        items.push(Value::Object(fields));
        entries.push(&entry);
    }
    Ok(Value::Array(items))
}

/// Reads a value as far as the settings look at it: scalars whole (a string up to
/// [`MAX_STRING_UNITS`]), objects and arrays by their type alone.
fn read(v: &JsValue) -> Value {
    if v.is_undefined() {
        return Value::Undefined;
    }
    if v.is_null() {
        return Value::Null;
    }
    if let Some(b) = v.as_bool() {
        return Value::Bool(b);
    }
    if let Some(n) = v.as_f64() {
        return Value::Number(n);
    }
    if v.is_string() {
        return Value::Str(bounded(v.unchecked_ref(), MAX_STRING_UNITS));
    }
    if v.is_function() {
        return Value::Other("function");
    }
    if v.is_symbol() {
        return Value::Other("symbol");
    }
    if v.is_bigint() {
        return Value::Other("bigint");
    }
    if Array::is_array(v) {
        return Value::Array(Vec::new());
    }
    if v.is_object() {
        return Value::Object(Vec::new());
    }
    Value::Other("unknown")
}

/// `s`, or its first `max` UTF-16 units when it is longer: only what is kept is copied.
fn bounded(s: &JsString, max: u32) -> String {
    if s.length() > max {
        String::from(s.slice(0, max))
    } else {
        String::from(s)
    }
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

/// The own enumerable string-keyed properties of `v`: each name (up to [`MAX_NAME_UNITS`]
/// units of it) and its key.
fn own_fields(v: &JsValue) -> Result<impl Iterator<Item = (String, JsValue)>, JsValue> {
    let keys = object_keys(v)?;
    Ok(keys.into_iter().filter_map(|key| {
        let name = bounded(key.dyn_ref::<JsString>()?, MAX_NAME_UNITS);
        Some((name, key))
    }))
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
