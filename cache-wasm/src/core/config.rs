//! Typed cache settings, validated once from the option object users pass.

use std::fmt;

use super::export::endpoint::Refused;
use super::export::statsd;

/// An option value as it arrived from the caller, independent of JS.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `undefined`, or the option absent.
    Undefined,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number (any f64, including NaN and infinities).
    Number(f64),
    /// A string.
    Str(String),
    /// An array: the items of `layers`; elsewhere read as its type alone, with no items.
    Array(Vec<Value>),
    /// A plain object's own enumerable properties: those of the options and of each layer's
    /// entry; elsewhere read as its type alone, with no properties.
    Object(Vec<(String, Value)>),
    /// Anything else, by its type name (`"function"`, `"symbol"`, `"bigint"`).
    Other(&'static str),
}

impl Value {
    /// The JS type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Undefined => "undefined",
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::Str(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
            Value::Other(t) => t,
        }
    }
}

/// Which eviction policy a cache runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// Least recently used.
    Lru,
    /// Window TinyLFU: a small LRU window in front of a frequency-filtered segmented LRU.
    TinyLfu,
}

/// Which clock reading a TTL check compares expiries with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TtlClock {
    /// A new reading for every check.
    Exact,
    /// One reading per synchronous run of code, reused until the run ends.
    Task,
}

impl TtlClock {
    /// The option's value for this clock.
    pub fn as_str(self) -> &'static str {
        match self {
            TtlClock::Exact => "exact",
            TtlClock::Task => "task",
        }
    }
}

/// The text format of exported metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// Prometheus text exposition 0.0.4.
    Prometheus,
    /// StatsD lines.
    Statsd,
    /// The JSON metric frame.
    Json,
}

impl ExportFormat {
    /// Parses `"prometheus"`, `"statsd"` or `"json"`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "prometheus" => Some(ExportFormat::Prometheus),
            "statsd" => Some(ExportFormat::Statsd),
            "json" => Some(ExportFormat::Json),
            _ => None,
        }
    }
}

/// Every setting of one cache, checked and typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The `cache` label in exports.
    pub name: String,
    /// Entry bound, at least 1.
    pub max_entries: u32,
    /// Byte bound; 0 means none.
    pub max_bytes: u64,
    /// TTL for sets that give none, in ms; 0 means no expiry.
    pub default_ttl_ms: f64,
    /// Which clock reading TTL checks use.
    pub ttl_clock: TtlClock,
    /// Longest key accepted, in UTF-16 code units.
    pub max_key_length: u32,
    /// Eviction policy.
    pub policy: PolicyKind,
    /// Whether metric frames are built.
    pub enable_telemetry: bool,
    /// Seconds between frames.
    pub telemetry_interval_s: f64,
    /// Whether latency histograms and time windows are kept.
    pub metrics_collection: bool,
    /// Whether frames are pushed to an endpoint.
    pub telemetry_export: bool,
    /// Format of pushed frames.
    pub export_format: ExportFormat,
    /// Where frames are pushed.
    pub export_endpoint: Option<String>,
    /// Whether the miss-rate rule runs.
    pub alert_on_high_miss_rate: bool,
    /// Miss-rate threshold as a fraction.
    pub high_miss_rate_threshold: f64,
    /// Whether the latency rule runs.
    pub alert_on_high_latency: bool,
    /// Latency threshold in ms.
    pub high_latency_threshold_ms: f64,
    /// The latency percentile the latency rule watches, 50 to 99.9.
    pub high_latency_percentile: f64,
    /// Fewest samples a frame's window needs before an alert can fire or resolve.
    pub alert_min_samples: u64,
    /// Seconds after a resolve during which the same alert cannot fire again.
    pub alert_cooldown_s: f64,
    /// A firing alert resolves at or below `threshold × (1 − alert_hysteresis)`.
    pub alert_hysteresis: f64,
    /// Names of the layers below memory, in order.
    pub layers: Vec<String>,
    /// Each layer's timeout in ms (`timeoutMs`, default [`DEFAULT_LAYER_TIMEOUT_MS`]), in order.
    pub layer_timeouts_ms: Vec<f64>,
    /// Share of synchronous memory operations that are timed, 0 to 1.
    pub latency_sample_rate: f64,
    /// BroadcastChannel name that frames are also posted to.
    pub telemetry_channel: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            name: "default".to_string(),
            max_entries: 10_000,
            max_bytes: 0,
            default_ttl_ms: 0.0,
            ttl_clock: TtlClock::Exact,
            max_key_length: 16_384,
            policy: PolicyKind::Lru,
            enable_telemetry: false,
            telemetry_interval_s: 60.0,
            metrics_collection: true,
            telemetry_export: false,
            export_format: ExportFormat::Prometheus,
            export_endpoint: None,
            alert_on_high_miss_rate: false,
            high_miss_rate_threshold: 0.5,
            alert_on_high_latency: false,
            high_latency_threshold_ms: 100.0,
            high_latency_percentile: 95.0,
            alert_min_samples: 20,
            alert_cooldown_s: 300.0,
            alert_hysteresis: 0.1,
            layers: Vec::new(),
            layer_timeouts_ms: Vec::new(),
            latency_sample_rate: 0.01,
            telemetry_channel: None,
        }
    }
}

/// Whether an error is reported as a JS `TypeError` or `RangeError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The wrong kind of value, or an unknown name.
    Type,
    /// The right kind of value outside its allowed range.
    Range,
}

/// Why an option object was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigError {
    /// A name that is no option.
    UnknownOption(String),
    /// The options were not given as an object.
    NotAnObject(&'static str),
    /// An option given twice, under its camelCase and snake_case names.
    Duplicate(&'static str),
    /// A value of the wrong type.
    WrongType {
        /// The option's camelCase name.
        option: &'static str,
        /// What it takes.
        expected: &'static str,
        /// The type that was given.
        got: &'static str,
    },
    /// A value outside the allowed range or set.
    OutOfRange {
        /// The option's camelCase name.
        option: &'static str,
        /// What it takes.
        expected: &'static str,
        /// The value given, as text.
        got: String,
    },
    /// Alerts or export turned on while telemetry is off.
    NeedsTelemetry(&'static str),
    /// The latency alert turned on with no latency to judge: `metricsCollection` off, or no
    /// operation ever timed (`latencySampleRate: 0` and no layers).
    NeedsLatency(&'static str),
    /// A layer entry that is not `{ name, store }` or repeats a name.
    BadLayer {
        /// Position in the `layers` array.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
}

impl ConfigError {
    /// The JS error class this maps to.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ConfigError::OutOfRange { .. } => ErrorKind::Range,
            _ => ErrorKind::Type,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::UnknownOption(name) => write!(
                f,
                "unknown option `{}`; known options are {}",
                shorten(name),
                OPTIONS
                    .iter()
                    .map(|o| o.camel)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ConfigError::NotAnObject(got) => {
                write!(f, "cache options must be an object, got {got}")
            }
            ConfigError::Duplicate(o) => write!(
                f,
                "option `{o}` is given twice (as `{o}` and as `{}`); give it once",
                snake_case(o)
            ),
            ConfigError::WrongType {
                option,
                expected,
                got,
            } => write!(f, "option `{option}` must be {expected}, got {got}"),
            ConfigError::OutOfRange {
                option,
                expected,
                got,
            } => write!(f, "option `{option}` must be {expected}, got {got}"),
            ConfigError::NeedsTelemetry(o) => write!(
                f,
                "option `{o}` needs `enableTelemetry: true`: alerts, export and the telemetry channel work on metric frames"
            ),
            ConfigError::NeedsLatency(o) => write!(
                f,
                "option `alertOnHighLatency` needs {o}: the alert compares timed operations with `highLatencyThreshold`, and none would be timed"
            ),
            ConfigError::BadLayer { index, reason } => {
                write!(f, "option `layers[{index}]`: {reason}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

struct OptionName {
    camel: &'static str,
}

const OPTIONS: &[OptionName] = &[
    OptionName { camel: "name" },
    OptionName {
        camel: "maxEntries",
    },
    OptionName { camel: "maxBytes" },
    OptionName {
        camel: "defaultTtl",
    },
    OptionName { camel: "ttlClock" },
    OptionName {
        camel: "maxKeyLength",
    },
    OptionName {
        camel: "evictionPolicy",
    },
    OptionName {
        camel: "enableTelemetry",
    },
    OptionName {
        camel: "telemetryInterval",
    },
    OptionName {
        camel: "metricsCollection",
    },
    OptionName {
        camel: "telemetryExport",
    },
    OptionName {
        camel: "telemetryExportFormat",
    },
    OptionName {
        camel: "telemetryExportEndpoint",
    },
    OptionName {
        camel: "alertOnHighMissRate",
    },
    OptionName {
        camel: "highMissRateThreshold",
    },
    OptionName {
        camel: "alertOnHighLatency",
    },
    OptionName {
        camel: "highLatencyThreshold",
    },
    OptionName {
        camel: "highLatencyPercentile",
    },
    OptionName {
        camel: "alertMinSamples",
    },
    OptionName {
        camel: "alertCooldown",
    },
    OptionName {
        camel: "alertHysteresis",
    },
    OptionName { camel: "layers" },
    OptionName {
        camel: "latencySampleRate",
    },
    OptionName {
        camel: "telemetryChannel",
    },
];

/// The snake_case spelling of a camelCase option name.
pub fn snake_case(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The canonical camelCase name for `name`, accepting the snake_case alias; `None` for a
/// name that is no option.
pub fn canonical(name: &str) -> Option<&'static str> {
    OPTIONS
        .iter()
        .map(|o| o.camel)
        .find(|c| *c == name || snake_case(c) == name)
}

/// `n` as JS's `String(n)` spells it (`Infinity`, `NaN`, `1e+21`, `1e-7`), for messages.
pub fn js_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".to_string();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    if n == 0.0 {
        return "0".to_string();
    }
    // The shortest digits that read back as `n`, and the power of ten of the first.
    let sci = format!("{:e}", n.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let Ok(exp) = exp.parse::<i32>() else {
        return format!("{n}");
    };
    let sign = if n < 0.0 { "-" } else { "" };
    // As in ECMAScript's Number::toString: `digits` × 10^(point − len).
    let len = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let point = exp + 1;
    let zeros = |k: i32| "0".repeat(usize::try_from(k).unwrap_or(0));
    let at = |k: i32| {
        usize::try_from(k)
            .ok()
            .and_then(|k| digits.split_at_checked(k))
    };
    let body = if len <= point && point <= 21 {
        format!("{digits}{}", zeros(point - len))
    } else if 0 < point && point <= 21 {
        match at(point) {
            Some((whole, fraction)) => format!("{whole}.{fraction}"),
            None => digits.clone(),
        }
    } else if -6 < point && point <= 0 {
        format!("0.{}{digits}", zeros(-point))
    } else {
        let e = point - 1;
        let e = if e < 0 {
            format!("-{}", -e)
        } else {
            format!("+{e}")
        };
        match at(1) {
            Some((first, "")) => format!("{first}e{e}"),
            Some((first, rest)) => format!("{first}.{rest}e{e}"),
            None => format!("{digits}e{e}"),
        }
    };
    format!("{sign}{body}")
}

fn show(v: &Value) -> String {
    match v {
        Value::Number(n) => js_number(*n),
        Value::Str(s) => quote(s),
        Value::Bool(b) => format!("{b}"),
        other => other.type_name().to_string(),
    }
}

fn want_bool(option: &'static str, v: &Value) -> Result<bool, ConfigError> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(ConfigError::WrongType {
            option,
            expected: "a boolean",
            got: other.type_name(),
        }),
    }
}

fn want_number(option: &'static str, v: &Value) -> Result<f64, ConfigError> {
    match v {
        Value::Number(n) => Ok(*n),
        other => Err(ConfigError::WrongType {
            option,
            expected: "a number",
            got: other.type_name(),
        }),
    }
}

fn want_str<'a>(option: &'static str, v: &'a Value) -> Result<&'a str, ConfigError> {
    match v {
        Value::Str(s) => Ok(s),
        other => Err(ConfigError::WrongType {
            option,
            expected: "a string",
            got: other.type_name(),
        }),
    }
}

fn range(option: &'static str, expected: &'static str, v: &Value) -> ConfigError {
    ConfigError::OutOfRange {
        option,
        expected,
        got: show(v),
    }
}

/// The first 40 characters of `s`, and whether it had more: as much of a string as messages show.
fn lead(s: &str) -> (&str, bool) {
    match s.char_indices().nth(40) {
        Some((at, _)) => (s.get(..at).unwrap_or(s), true),
        None => (s, false),
    }
}

/// A name as messages name it: its first 40 characters, and `…` when there were more.
fn shorten(s: &str) -> String {
    match lead(s) {
        (start, true) => format!("{start}…"),
        (all, false) => all.to_string(),
    }
}

/// A string value as messages quote it: its first 40 characters, in quotes and escaped.
pub fn quote(s: &str) -> String {
    format!("{:?}", lead(s).0)
}

/// A whole number in `min..=max`.
fn want_int(
    option: &'static str,
    v: &Value,
    min: f64,
    max: f64,
    expected: &'static str,
) -> Result<f64, ConfigError> {
    let n = want_number(option, v)?;
    if !n.is_finite() || n.fract() != 0.0 || n < min || n > max {
        return Err(range(option, expected, v));
    }
    Ok(n)
}

/// Milliseconds that may be fractional: finite and at least 0.
pub fn check_ttl(option: &'static str, v: &Value) -> Result<f64, ConfigError> {
    let n = want_number(option, v)?;
    if !(0.0..=MAX_TTL_MS).contains(&n) {
        return Err(range(
            option,
            "a number of milliseconds from 0 to 2^53 − 1 (9007199254740991)",
            v,
        ));
    }
    Ok(n)
}

/// The most characters any string option takes (`telemetryExportEndpoint`; names take far
/// fewer). Every string option refuses a longer string, so a reader of JS values may cut one
/// that is longer still and get the same answer.
pub const MAX_STRING_CHARS: usize = 4096;

/// The largest integer a JS number holds exactly, 2^53 − 1.
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// The longest TTL accepted, in milliseconds.
pub const MAX_TTL_MS: f64 = MAX_SAFE_INTEGER;

/// The longest `maxKeyLength` accepted, in characters: layer operations copy a key into
/// WebAssembly memory, and many pending ones of much longer keys could exhaust it.
pub const MAX_KEY_LENGTH: f64 = 65_536.0;

/// The largest per-entry size accepted, in bytes.
pub const MAX_ENTRY_SIZE: f64 = u32::MAX as f64;

/// A layer's timeout when its entry gives no `timeoutMs`.
pub const DEFAULT_LAYER_TIMEOUT_MS: f64 = 1_000.0;

/// The longest layer timeout accepted (about 24 days, the largest a JS timer takes).
pub const MAX_LAYER_TIMEOUT_MS: f64 = 2_147_483_647.0;

/// The largest `maxEntries` accepted.
pub const MAX_ENTRIES: f64 = super::index::MAX_SLOTS as f64;

impl Settings {
    /// Validates an option object into settings; `Value::Undefined` means no options.
    pub fn from_value(options: &Value) -> Result<Settings, ConfigError> {
        let fields = match options {
            Value::Undefined | Value::Null => return Ok(Settings::default()),
            Value::Object(fields) => fields,
            other => return Err(ConfigError::NotAnObject(other.type_name())),
        };
        let mut seen: Vec<&'static str> = Vec::new();
        let mut s = Settings::default();
        for (key, value) in fields {
            let Some(option) = canonical(key) else {
                return Err(ConfigError::UnknownOption(key.clone()));
            };
            // `undefined` is the option left out, under either spelling.
            if matches!(value, Value::Undefined) {
                continue;
            }
            if seen.contains(&option) {
                return Err(ConfigError::Duplicate(option));
            }
            seen.push(option);
            s.apply(option, value)?;
        }
        s.check_combinations()?;
        Ok(s)
    }

    fn apply(&mut self, option: &'static str, v: &Value) -> Result<(), ConfigError> {
        match option {
            "name" => {
                let name = want_str(option, v)?;
                if name.is_empty() || name.chars().count() > 256 {
                    return Err(range(option, "a string of 1 to 256 characters", v));
                }
                self.name = name.to_string();
            }
            "maxEntries" => {
                self.max_entries = want_int(
                    option,
                    v,
                    1.0,
                    MAX_ENTRIES,
                    "a whole number from 1 to 16777215",
                )? as u32;
            }
            "maxBytes" => {
                self.max_bytes = want_int(
                    option,
                    v,
                    0.0,
                    MAX_SAFE_INTEGER,
                    "a whole number of bytes from 1 to 2^53 − 1 (9007199254740991), or 0 for no byte bound",
                )? as u64;
            }
            "defaultTtl" => self.default_ttl_ms = check_ttl(option, v)?,
            "ttlClock" => {
                self.ttl_clock = match want_str(option, v)? {
                    "exact" => TtlClock::Exact,
                    "task" => TtlClock::Task,
                    _ => return Err(range(option, "\"exact\" or \"task\"", v)),
                }
            }
            "maxKeyLength" => {
                self.max_key_length = want_int(
                    option,
                    v,
                    1.0,
                    MAX_KEY_LENGTH,
                    "a whole number of characters from 1 to 65536",
                )? as u32;
            }
            "evictionPolicy" => {
                self.policy = match want_str(option, v)? {
                    "lru" => PolicyKind::Lru,
                    "tinylfu" => PolicyKind::TinyLfu,
                    _ => return Err(range(option, "\"lru\" or \"tinylfu\"", v)),
                }
            }
            "enableTelemetry" => self.enable_telemetry = want_bool(option, v)?,
            "telemetryInterval" => {
                let n = want_number(option, v)?;
                if !n.is_finite() || !(0.05..=86_400.0).contains(&n) {
                    return Err(range(option, "seconds from 0.05 to 86400", v));
                }
                self.telemetry_interval_s = n;
            }
            "metricsCollection" => self.metrics_collection = want_bool(option, v)?,
            "telemetryExport" => self.telemetry_export = want_bool(option, v)?,
            "telemetryExportFormat" => {
                let f = want_str(option, v)?;
                self.export_format = ExportFormat::parse(f)
                    .ok_or_else(|| range(option, "\"prometheus\", \"statsd\" or \"json\"", v))?;
            }
            "telemetryExportEndpoint" => {
                if matches!(v, Value::Null) {
                    self.export_endpoint = None;
                } else {
                    let e = want_str(option, v)?;
                    if e.chars().count() > MAX_STRING_CHARS {
                        return Err(range(
                            option,
                            "\"host:port\" or an http(s):// or udp:// URL of at most 4096 characters",
                            v,
                        ));
                    }
                    let e = e.trim();
                    if e.is_empty() {
                        return Err(range(
                            option,
                            "\"host:port\" or an http(s):// or udp:// URL",
                            v,
                        ));
                    }
                    self.export_endpoint = Some(e.to_string());
                }
            }
            "alertOnHighMissRate" => self.alert_on_high_miss_rate = want_bool(option, v)?,
            "highMissRateThreshold" => {
                let n = want_number(option, v)?;
                if !(0.0..=1.0).contains(&n) {
                    return Err(range(option, "a fraction from 0 to 1 (0.5 = 50%)", v));
                }
                self.high_miss_rate_threshold = n;
            }
            "alertOnHighLatency" => self.alert_on_high_latency = want_bool(option, v)?,
            "highLatencyThreshold" => {
                let n = want_number(option, v)?;
                if !n.is_finite() || n <= 0.0 {
                    return Err(range(option, "a positive number of milliseconds", v));
                }
                self.high_latency_threshold_ms = n;
            }
            "highLatencyPercentile" => {
                let n = want_number(option, v)?;
                if !(50.0..=99.9).contains(&n) {
                    return Err(range(option, "a percentile from 50 to 99.9 (95 = p95)", v));
                }
                self.high_latency_percentile = n;
            }
            "alertMinSamples" => {
                self.alert_min_samples = want_int(
                    option,
                    v,
                    1.0,
                    MAX_SAFE_INTEGER,
                    "a whole number of samples from 1 to 2^53 − 1 (9007199254740991)",
                )? as u64;
            }
            "alertCooldown" => {
                let n = want_number(option, v)?;
                if !(0.0..=86_400.0).contains(&n) {
                    return Err(range(option, "seconds from 0 to 86400", v));
                }
                self.alert_cooldown_s = n;
            }
            "alertHysteresis" => {
                let n = want_number(option, v)?;
                if !(0.0..1.0).contains(&n) {
                    return Err(range(
                        option,
                        "a fraction from 0 up to, not including, 1 (0.1 = resolve 10% below the threshold)",
                        v,
                    ));
                }
                self.alert_hysteresis = n;
            }
            "layers" => (self.layers, self.layer_timeouts_ms) = layer_list(v)?,
            "latencySampleRate" => {
                let n = want_number(option, v)?;
                if !(0.0..=1.0).contains(&n) {
                    return Err(range(
                        option,
                        "a fraction from 0 to 1 (0.01 = one operation in 100)",
                        v,
                    ));
                }
                self.latency_sample_rate = n;
            }
            "telemetryChannel" => {
                if matches!(v, Value::Null) {
                    self.telemetry_channel = None;
                } else {
                    let name = want_str(option, v)?;
                    if name.is_empty() || name.chars().count() > 256 {
                        return Err(range(
                            option,
                            "a BroadcastChannel name of 1 to 256 characters",
                            v,
                        ));
                    }
                    self.telemetry_channel = Some(name.to_string());
                }
            }
            _ => return Err(ConfigError::UnknownOption(option.to_string())),
        }
        Ok(())
    }

    fn check_combinations(&self) -> Result<(), ConfigError> {
        if !self.enable_telemetry {
            for (on, option) in [
                (self.alert_on_high_miss_rate, "alertOnHighMissRate"),
                (self.alert_on_high_latency, "alertOnHighLatency"),
                (self.telemetry_export, "telemetryExport"),
                (self.telemetry_channel.is_some(), "telemetryChannel"),
            ] {
                if on {
                    return Err(ConfigError::NeedsTelemetry(option));
                }
            }
        } else if self.alert_on_high_latency {
            if !self.metrics_collection {
                return Err(ConfigError::NeedsLatency("`metricsCollection: true`"));
            }
            if self.latency_sample_rate == 0.0 && self.layers.is_empty() {
                return Err(ConfigError::NeedsLatency(
                    "`latencySampleRate` above 0 (or a layer, whose calls are all timed)",
                ));
            }
        }
        match &self.export_endpoint {
            Some(e) => {
                super::export::endpoint::Endpoint::parse(self.export_format, e)
                    .and_then(|p| match self.export_format {
                        ExportFormat::Statsd => {
                            super::export::statsd::Options::from_query(&p.query)
                                .map(|_| ())
                                .map_err(|expected| Refused {
                                    expected,
                                    detail: None,
                                })
                        }
                        _ => Ok(()),
                    })
                    .map_err(|refused| ConfigError::OutOfRange {
                        option: "telemetryExportEndpoint",
                        expected: refused.expected,
                        got: match refused.detail {
                            Some(detail) => format!("{e:?}: {detail}"),
                            None => format!("{e:?}"),
                        },
                    })?;
            }
            None if self.telemetry_export => {
                return Err(ConfigError::WrongType {
                    option: "telemetryExportEndpoint",
                    expected: "set when `telemetryExport` is true: \"host:port\" or a URL",
                    got: "nothing",
                });
            }
            None => {}
        }
        Ok(())
    }
}

/// The fields a layer's entry takes.
pub const LAYER_FIELDS: &[&str] = &["name", "store", "timeoutMs"];

/// Checks `layers: [{ name, store, timeoutMs? }]`; returns the names and timeouts in order.
fn layer_list(v: &Value) -> Result<(Vec<String>, Vec<f64>), ConfigError> {
    let Value::Array(items) = v else {
        return Err(ConfigError::WrongType {
            option: "layers",
            expected: "an array of { name, store }",
            got: v.type_name(),
        });
    };
    if items.len() > crate::core::layers::MAX_LAYERS {
        return Err(ConfigError::OutOfRange {
            option: "layers",
            expected: "at most 16 layers",
            got: format!("{} layers", items.len()),
        });
    }
    let mut names: Vec<String> = Vec::with_capacity(items.len());
    let mut timeouts: Vec<f64> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let Value::Object(fields) = item else {
            return Err(ConfigError::BadLayer {
                index,
                reason: format!(
                    "must be an object {{ name, store }}, got {}",
                    item.type_name()
                ),
            });
        };
        if let Some((k, _)) = fields
            .iter()
            .find(|(k, _)| !LAYER_FIELDS.contains(&k.as_str()))
        {
            return Err(ConfigError::BadLayer {
                index,
                reason: format!(
                    "unknown field `{}`; a layer takes name, store and timeoutMs",
                    shorten(k)
                ),
            });
        }
        let name = fields.iter().find(|(k, _)| k == "name").map(|(_, v)| v);
        let name = match name {
            Some(Value::Str(n)) if !n.is_empty() && n.chars().count() <= 64 => n.clone(),
            Some(other) => {
                return Err(ConfigError::BadLayer {
                    index,
                    reason: format!(
                        "`name` must be a string of 1 to 64 characters, got {}",
                        show(other)
                    ),
                })
            }
            None => {
                return Err(ConfigError::BadLayer {
                    index,
                    reason: "has no `name`".to_string(),
                })
            }
        };
        if name == "memory" || names.contains(&name) {
            return Err(ConfigError::BadLayer {
                index,
                reason: format!("the name {name:?} is taken; each layer needs its own name, and \"memory\" is reserved"),
            });
        }
        // StatsD names carry a layer as a name segment or a tag value, where other characters
        // read as `_`: two layers must not read alike there.
        let (segment, tag) = (statsd::segment(&name), statsd::tag_text(&name));
        if let Some(other) = names
            .iter()
            .find(|n| statsd::segment(n) == segment || statsd::tag_text(n) == tag)
        {
            return Err(ConfigError::BadLayer {
                index,
                reason: format!(
                    "the name {name:?} reads as {other:?} does in StatsD metric names; layer names must differ in letters, digits, `_` or `-`"
                ),
            });
        }
        if !fields
            .iter()
            .any(|(k, v)| k == "store" && matches!(v, Value::Object(_)))
        {
            return Err(ConfigError::BadLayer {
                index,
                reason: "needs a `store` object with async get, set and delete".to_string(),
            });
        }
        let timeout = match fields
            .iter()
            .find(|(k, _)| k == "timeoutMs")
            .map(|(_, v)| v)
        {
            None | Some(Value::Undefined) => DEFAULT_LAYER_TIMEOUT_MS,
            Some(Value::Number(n)) if (1.0..=MAX_LAYER_TIMEOUT_MS).contains(n) => *n,
            Some(other) => {
                return Err(ConfigError::BadLayer {
                    index,
                    reason: format!(
                        "`timeoutMs` must be a number of milliseconds from 1 to 2147483647, got {}",
                        show(other)
                    ),
                })
            }
        };
        names.push(name);
        timeouts.push(timeout);
    }
    Ok((names, timeouts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(fields: &[(&str, Value)]) -> Value {
        Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn defaults_match_the_contract() {
        let s = Settings::from_value(&Value::Undefined).unwrap();
        assert_eq!(s.name, "default");
        assert_eq!(s.max_entries, 10_000);
        assert_eq!(s.max_bytes, 0);
        assert_eq!(s.ttl_clock, TtlClock::Exact);
        assert_eq!(s.max_key_length, 16_384);
        assert_eq!(s.policy, PolicyKind::Lru);
        assert_eq!(s.telemetry_interval_s, 60.0);
        assert!(s.metrics_collection);
        assert_eq!(s.high_miss_rate_threshold, 0.5);
        assert_eq!(s.high_latency_threshold_ms, 100.0);
        assert_eq!(s.high_latency_percentile, 95.0);
        assert_eq!(s.alert_min_samples, 20);
        assert_eq!(s.alert_cooldown_s, 300.0);
        assert_eq!(s.alert_hysteresis, 0.1);
    }

    #[test]
    fn alert_tuning_options_take_both_spellings() {
        let s = Settings::from_value(&obj(&[
            ("enableTelemetry", Value::Bool(true)),
            ("alertOnHighLatency", Value::Bool(true)),
            ("highLatencyPercentile", Value::Number(99.9)),
            ("alert_min_samples", Value::Number(1.0)),
            ("alert_cooldown", Value::Number(0.0)),
            ("alertHysteresis", Value::Number(0.0)),
        ]))
        .unwrap();
        assert_eq!(s.high_latency_percentile, 99.9);
        assert_eq!(s.alert_min_samples, 1);
        assert_eq!(s.alert_cooldown_s, 0.0);
        assert_eq!(s.alert_hysteresis, 0.0);
        let err = Settings::from_value(&obj(&[
            ("alertCooldown", Value::Number(5.0)),
            ("alert_cooldown", Value::Number(6.0)),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("`alertCooldown`"), "{err}");
    }

    #[test]
    fn camel_and_snake_names_are_accepted() {
        let s = Settings::from_value(&obj(&[
            ("maxEntries", Value::Number(5.0)),
            ("default_ttl", Value::Number(250.0)),
            ("ttl_clock", Value::Str("task".into())),
            ("enable_telemetry", Value::Bool(true)),
            ("telemetry_interval", Value::Number(0.5)),
            ("alert_on_high_miss_rate", Value::Bool(true)),
            ("high_miss_rate_threshold", Value::Number(0.25)),
            ("evictionPolicy", Value::Str("tinylfu".into())),
        ]))
        .unwrap();
        assert_eq!(s.max_entries, 5);
        assert_eq!(s.default_ttl_ms, 250.0);
        assert_eq!(s.ttl_clock, TtlClock::Task);
        assert!(s.enable_telemetry && s.alert_on_high_miss_rate);
        assert_eq!(s.telemetry_interval_s, 0.5);
        assert_eq!(s.high_miss_rate_threshold, 0.25);
        assert_eq!(s.policy, PolicyKind::TinyLfu);
    }

    #[test]
    fn an_undefined_spelling_is_no_second_giving() {
        for fields in [
            [
                ("maxEntries", Value::Undefined),
                ("max_entries", Value::Number(5.0)),
            ],
            [
                ("maxEntries", Value::Number(5.0)),
                ("max_entries", Value::Undefined),
            ],
        ] {
            let s = Settings::from_value(&obj(&fields)).unwrap();
            assert_eq!(s.max_entries, 5);
        }
        let s = Settings::from_value(&obj(&[
            ("maxEntries", Value::Undefined),
            ("max_entries", Value::Undefined),
        ]))
        .unwrap();
        assert_eq!(s.max_entries, 10_000);
        let err = Settings::from_value(&obj(&[
            ("maxEntries", Value::Number(3.0)),
            ("max_entries", Value::Number(5.0)),
        ]))
        .unwrap_err();
        assert!(matches!(err, ConfigError::Duplicate("maxEntries")), "{err}");
    }

    #[test]
    fn errors_name_the_option() {
        let cases: Vec<(Value, ErrorKind, &str)> = vec![
            (
                obj(&[("maxEntrys", Value::Number(1.0))]),
                ErrorKind::Type,
                "`maxEntrys`",
            ),
            (
                obj(&[("maxEntries", Value::Number(0.0))]),
                ErrorKind::Range,
                "`maxEntries`",
            ),
            (
                obj(&[("maxEntries", Value::Number(1.5))]),
                ErrorKind::Range,
                "`maxEntries`",
            ),
            (
                obj(&[("maxEntries", Value::Number(f64::NAN))]),
                ErrorKind::Range,
                "`maxEntries`",
            ),
            (
                obj(&[("maxEntries", Value::Str("9".into()))]),
                ErrorKind::Type,
                "`maxEntries`",
            ),
            (
                obj(&[("defaultTtl", Value::Number(-1.0))]),
                ErrorKind::Range,
                "`defaultTtl`",
            ),
            (
                obj(&[("ttlClock", Value::Str("1ms".into()))]),
                ErrorKind::Range,
                "`ttlClock`",
            ),
            (
                obj(&[("ttlClock", Value::Number(1.0))]),
                ErrorKind::Type,
                "`ttlClock`",
            ),
            (
                obj(&[("evictionPolicy", Value::Str("fifo".into()))]),
                ErrorKind::Range,
                "`evictionPolicy`",
            ),
            (
                obj(&[("telemetryInterval", Value::Number(0.01))]),
                ErrorKind::Range,
                "`telemetryInterval`",
            ),
            (
                obj(&[("highMissRateThreshold", Value::Number(50.0))]),
                ErrorKind::Range,
                "`highMissRateThreshold`",
            ),
            (
                obj(&[("enableTelemetry", Value::Number(1.0))]),
                ErrorKind::Type,
                "`enableTelemetry`",
            ),
            (
                obj(&[
                    ("maxEntries", Value::Number(3.0)),
                    ("max_entries", Value::Number(4.0)),
                ]),
                ErrorKind::Type,
                "`maxEntries`",
            ),
            (
                obj(&[("highLatencyPercentile", Value::Number(49.9))]),
                ErrorKind::Range,
                "`highLatencyPercentile`",
            ),
            (
                obj(&[("high_latency_percentile", Value::Number(99.95))]),
                ErrorKind::Range,
                "`highLatencyPercentile`",
            ),
            (
                obj(&[("alertMinSamples", Value::Number(0.0))]),
                ErrorKind::Range,
                "`alertMinSamples`",
            ),
            (
                obj(&[("alertMinSamples", Value::Number(2.5))]),
                ErrorKind::Range,
                "`alertMinSamples`",
            ),
            (
                obj(&[("alert_min_samples", Value::Str("20".into()))]),
                ErrorKind::Type,
                "`alertMinSamples`",
            ),
            (
                obj(&[("alertCooldown", Value::Number(-1.0))]),
                ErrorKind::Range,
                "`alertCooldown`",
            ),
            (
                obj(&[("alertCooldown", Value::Number(f64::INFINITY))]),
                ErrorKind::Range,
                "`alertCooldown`",
            ),
            (
                obj(&[("alertHysteresis", Value::Number(1.0))]),
                ErrorKind::Range,
                "`alertHysteresis`",
            ),
            (
                obj(&[("alertHysteresis", Value::Number(f64::NAN))]),
                ErrorKind::Range,
                "`alertHysteresis`",
            ),
            (
                obj(&[("alertHysteresis", Value::Bool(true))]),
                ErrorKind::Type,
                "`alertHysteresis`",
            ),
            (Value::Str("x".into()), ErrorKind::Type, "object"),
        ];
        for (value, kind, needle) in cases {
            let err = Settings::from_value(&value).unwrap_err();
            assert_eq!(err.kind(), kind, "{err}");
            assert!(err.to_string().contains(needle), "{err}");
        }
    }

    #[test]
    fn numbers_in_messages_are_spelt_as_js_spells_them() {
        for (n, js) in [
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (f64::NAN, "NaN"),
            (-0.0, "0"),
            (100.0, "100"),
            (-1.5, "-1.5"),
            (0.1, "0.1"),
            (0.001, "0.001"),
            (123.456, "123.456"),
            (0.000_001, "0.000001"),
            (1e-7, "1e-7"),
            (-2.5e-10, "-2.5e-10"),
            (5e-324, "5e-324"),
            (4_294_967_296.0, "4294967296"),
            (9_007_199_254_740_992.0, "9007199254740992"),
            (18_446_744_073_709_551_616.0, "18446744073709552000"),
            (1.234_567_890_123_456_8e20, "123456789012345680000"),
            (1e21, "1e+21"),
            (1e300, "1e+300"),
            (f64::MAX, "1.7976931348623157e+308"),
        ] {
            assert_eq!(js_number(n), js, "{n:e}");
        }
    }

    #[test]
    fn range_messages_state_the_accepted_range() {
        let two_53 = 9_007_199_254_740_992.0;
        let cases: Vec<(&str, f64, &str)> = vec![
            (
                "maxKeyLength",
                4_294_967_296.0,
                "option `maxKeyLength` must be a whole number of characters from 1 to 65536, got 4294967296",
            ),
            (
                "maxKeyLength",
                65_537.0,
                "option `maxKeyLength` must be a whole number of characters from 1 to 65536, got 65537",
            ),
            (
                "maxBytes",
                two_53,
                "option `maxBytes` must be a whole number of bytes from 1 to 2^53 − 1 (9007199254740991), or 0 for no byte bound, got 9007199254740992",
            ),
            (
                "alertMinSamples",
                two_53,
                "option `alertMinSamples` must be a whole number of samples from 1 to 2^53 − 1 (9007199254740991), got 9007199254740992",
            ),
            (
                "defaultTtl",
                two_53,
                "option `defaultTtl` must be a number of milliseconds from 0 to 2^53 − 1 (9007199254740991), got 9007199254740992",
            ),
            (
                "defaultTtl",
                f64::INFINITY,
                "option `defaultTtl` must be a number of milliseconds from 0 to 2^53 − 1 (9007199254740991), got Infinity",
            ),
            (
                "defaultTtl",
                f64::NEG_INFINITY,
                "option `defaultTtl` must be a number of milliseconds from 0 to 2^53 − 1 (9007199254740991), got -Infinity",
            ),
            (
                "maxEntries",
                f64::NAN,
                "option `maxEntries` must be a whole number from 1 to 16777215, got NaN",
            ),
        ];
        for (option, n, message) in cases {
            let err = Settings::from_value(&obj(&[(option, Value::Number(n))])).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Range);
            assert_eq!(err.to_string(), message);
        }
        // The largest values the messages state are accepted.
        let s = Settings::from_value(&obj(&[
            ("maxKeyLength", Value::Number(65_536.0)),
            ("maxBytes", Value::Number(two_53 - 1.0)),
            ("alertMinSamples", Value::Number(two_53 - 1.0)),
            ("defaultTtl", Value::Number(two_53 - 1.0)),
        ]))
        .unwrap();
        assert_eq!(s.max_key_length, 65_536);
        assert_eq!(s.max_bytes, (1 << 53) - 1);
        assert_eq!(s.alert_min_samples, (1 << 53) - 1);
    }

    #[test]
    fn every_string_option_refuses_more_than_max_string_chars() {
        // A reader of JS values cuts longer strings to just over this; the answer must be the
        // same for the cut string as for the whole.
        let long = |prefix: &str| {
            let mut s = prefix.to_string();
            while s.chars().count() <= MAX_STRING_CHARS {
                s.push('a');
            }
            Value::Str(s)
        };
        let endpoint = |e: Value| {
            obj(&[
                ("enableTelemetry", Value::Bool(true)),
                ("telemetryExport", Value::Bool(true)),
                ("telemetryExportFormat", Value::Str("json".into())),
                ("telemetryExportEndpoint", e),
            ])
        };
        let mut fine = "http://127.0.0.1:9/".to_string();
        while fine.chars().count() < MAX_STRING_CHARS {
            fine.push('a');
        }
        assert!(Settings::from_value(&endpoint(Value::Str(fine))).is_ok());
        let cases = vec![
            obj(&[("name", long(""))]),
            obj(&[("ttlClock", long("exact"))]),
            obj(&[("evictionPolicy", long("lru"))]),
            obj(&[("telemetryExportFormat", long("json"))]),
            endpoint(long("http://127.0.0.1:9/")),
            endpoint(long("    ")),
            obj(&[
                ("enableTelemetry", Value::Bool(true)),
                ("telemetryChannel", long("")),
            ]),
            obj(&[(
                "layers",
                Value::Array(vec![obj(&[("name", long("")), ("store", obj(&[]))])]),
            )]),
        ];
        for options in cases {
            assert!(Settings::from_value(&options).is_err(), "{options:?}");
        }
    }

    #[test]
    fn messages_quote_a_long_name_by_its_start() {
        let name = "x".repeat(100);
        let msg = ConfigError::UnknownOption(name).to_string();
        assert!(
            msg.starts_with(&format!("unknown option `{}…`;", "x".repeat(40))),
            "{msg}"
        );
    }

    #[test]
    fn a_layer_timeout_is_at_least_one_millisecond() {
        let layer = |t: f64| {
            obj(&[(
                "layers",
                Value::Array(vec![obj(&[
                    ("name", Value::Str("kv".into())),
                    ("store", obj(&[])),
                    ("timeoutMs", Value::Number(t)),
                ])]),
            )])
        };
        for t in [
            0.001,
            0.999,
            0.0,
            -1.0,
            2_147_483_648.0,
            f64::NAN,
            f64::INFINITY,
        ] {
            let err = Settings::from_value(&layer(t)).unwrap_err();
            assert!(
                err.to_string().contains("from 1 to 2147483647"),
                "{t}: {err}"
            );
        }
        for t in [1.0, 1.5, 2_147_483_647.0] {
            let s = Settings::from_value(&layer(t)).unwrap();
            assert_eq!(s.layer_timeouts_ms, vec![t]);
        }
    }

    #[test]
    fn alerts_and_export_need_telemetry() {
        for option in [
            "alertOnHighMissRate",
            "alertOnHighLatency",
            "telemetryExport",
        ] {
            let err = Settings::from_value(&obj(&[(option, Value::Bool(true))])).unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.contains(option) && msg.contains("enableTelemetry"),
                "{msg}"
            );
            assert_eq!(err.kind(), ErrorKind::Type);
        }
    }

    #[test]
    fn the_latency_alert_needs_timed_operations() {
        let on = [
            ("enableTelemetry", Value::Bool(true)),
            ("alertOnHighLatency", Value::Bool(true)),
        ];
        let with = |extra: &[(&str, Value)]| {
            let mut fields = on.to_vec();
            fields.extend_from_slice(extra);
            Settings::from_value(&obj(&fields))
        };
        for (extra, needs) in [
            (
                vec![("metricsCollection", Value::Bool(false))],
                "metricsCollection",
            ),
            (
                vec![("latencySampleRate", Value::Number(0.0))],
                "latencySampleRate",
            ),
        ] {
            let err = with(&extra).unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.contains("alertOnHighLatency") && msg.contains(needs),
                "{msg}"
            );
            assert_eq!(err.kind(), ErrorKind::Type);
        }
        // Layer calls are always timed, so a layer is enough without sampling.
        let kv = obj(&[("name", Value::Str("kv".into())), ("store", obj(&[]))]);
        assert!(with(&[
            ("latencySampleRate", Value::Number(0.0)),
            ("layers", Value::Array(vec![kv])),
        ])
        .is_ok());
        assert!(with(&[]).is_ok());
        // The miss-rate alert needs no latency.
        assert!(Settings::from_value(&obj(&[
            ("enableTelemetry", Value::Bool(true)),
            ("alertOnHighMissRate", Value::Bool(true)),
            ("metricsCollection", Value::Bool(false)),
        ]))
        .is_ok());
    }

    #[test]
    fn layers_take_a_timeout() {
        let layer = obj(&[
            ("name", Value::Str("kv".into())),
            ("store", obj(&[])),
            ("timeoutMs", Value::Number(250.0)),
        ]);
        let s = Settings::from_value(&obj(&[("layers", Value::Array(vec![layer]))])).unwrap();
        assert_eq!(s.layer_timeouts_ms, vec![250.0]);
    }

    #[test]
    fn layers_need_unique_names_and_a_store() {
        let store = obj(&[]);
        let ok = obj(&[(
            "layers",
            Value::Array(vec![
                obj(&[("name", Value::Str("idb".into())), ("store", store.clone())]),
                obj(&[
                    ("name", Value::Str("redis".into())),
                    ("store", store.clone()),
                ]),
            ]),
        )]);
        let s = Settings::from_value(&ok).unwrap();
        assert_eq!(s.layers, vec!["idb", "redis"]);
        assert_eq!(s.layer_timeouts_ms, vec![1_000.0, 1_000.0]);
        for bad in [
            Value::Array(vec![obj(&[
                ("name", Value::Str("memory".into())),
                ("store", store.clone()),
            ])]),
            Value::Array(vec![obj(&[("name", Value::Str("a".into()))])]),
            Value::Array(vec![
                obj(&[
                    ("name", Value::Str("disk.1".into())),
                    ("store", store.clone()),
                ]),
                obj(&[
                    ("name", Value::Str("disk_1".into())),
                    ("store", store.clone()),
                ]),
            ]),
            Value::Array(vec![
                obj(&[
                    ("name", Value::Str("kv 1".into())),
                    ("store", store.clone()),
                ]),
                obj(&[
                    ("name", Value::Str("kv/1".into())),
                    ("store", store.clone()),
                ]),
            ]),
            Value::Array(vec![Value::Number(1.0)]),
            Value::Str("idb".into()),
            Value::Array(vec![obj(&[
                ("name", Value::Str("a".into())),
                ("store", store.clone()),
                ("timeoutMs", Value::Number(0.0)),
            ])]),
            Value::Array(vec![obj(&[
                ("name", Value::Str("a".into())),
                ("store", store.clone()),
                ("timeout", Value::Number(10.0)),
            ])]),
            Value::Array(
                (0..17)
                    .map(|i| {
                        obj(&[
                            ("name", Value::Str(format!("l{i}"))),
                            ("store", store.clone()),
                        ])
                    })
                    .collect(),
            ),
        ] {
            let err = Settings::from_value(&obj(&[("layers", bad)])).unwrap_err();
            assert!(err.to_string().contains("layers"), "{err}");
        }
    }
}
