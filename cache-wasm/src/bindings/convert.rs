//! Conversions between JS values and the core's types, and core errors into JS errors.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::config::{ConfigError, ErrorKind, Value};

/// How deep option objects are read; deeper objects count as opaque objects.
const MAX_DEPTH: usize = 3;

/// The longest array an option may be; a longer one (say `new Array(4e9)`) is refused before
/// anything is allocated for it.
const MAX_ITEMS: u32 = 1024;

/// Reads a JS value into a core [`Value`]. Getters that throw become an error.
pub fn to_value(v: &JsValue) -> Result<Value, JsValue> {
    read(v, 0)
}

fn read(v: &JsValue, depth: usize) -> Result<Value, JsValue> {
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
        let arr: &Array = v.unchecked_ref();
        if arr.length() > MAX_ITEMS {
            return Err(type_error(&format!(
                "cache-wasm: an array option has {} items; at most {MAX_ITEMS} are accepted",
                arr.length()
            )));
        }
        let mut items = Vec::with_capacity(arr.length() as usize);
        for item in arr.iter() {
            items.push(read(&item, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    if v.is_object() {
        if depth >= MAX_DEPTH {
            return Ok(Value::Object(Vec::new()));
        }
        let obj: &Object = v.unchecked_ref();
        let mut fields = Vec::new();
        for key in Object::keys(obj).iter() {
            let Some(name) = key.as_string() else {
                continue;
            };
            let field = Reflect::get(obj, &key)?;
            fields.push((name, read(&field, depth + 1)?));
        }
        return Ok(Value::Object(fields));
    }
    Ok(Value::Other("unknown"))
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
