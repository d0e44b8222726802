// A StatsD daemon backend for the export tests: prints each flush's counters and gauges as one JSON line.
"use strict";

exports.init = function init(_startupTime, _config, events) {
  events.on("flush", (_timestamp, metrics) => {
    const line = JSON.stringify({ counters: metrics.counters, gauges: metrics.gauges });
    process.stdout.write(`FLUSH ${line}\n`);
  });
  return true;
};
