// A layer over IndexedDB for browsers: a keyv-style { get, set, delete } store of structured clones.
//
// The database opens on first use; when it cannot be opened (IndexedDB missing, a private
// window, an opaque origin, a blocked upgrade) every call rejects, so the cache counts the
// failure and skips the layer, and the next call tries to open it again.
//
// Several layers may share one database, each with its own object store. A store that is
// missing is added by an upgrade to the next version. Every connection this adapter opens
// closes itself when another one asks for an upgrade, so layers on one database never block
// each other.

// How many upgrades one open tries when another page keeps adding stores meanwhile.
const MAX_UPGRADES = 3;

/**
 * @param {{ database?: string, objectStore?: string, indexedDB?: IDBFactory }} [options]
 */
export function indexedDbLayer(options) {
  // No options, undefined or null, means the defaults.
  if (options === undefined || options === null) options = {};
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(
      `cache-wasm: indexedDbLayer options must be an object { database, objectStore, indexedDB }, got ${Array.isArray(options) ? "an array" : typeof options}`,
    );
  }
  const database = options.database ?? "cache-wasm";
  const objectStore = options.objectStore ?? "entries";
  for (const [name, value] of [["database", database], ["objectStore", objectStore]]) {
    if (typeof value !== "string") throw new TypeError(`cache-wasm: indexedDbLayer ${name} must be a string, got ${typeof value}`);
  }
  const factory = "indexedDB" in options ? options.indexedDB : globalThis.indexedDB;
  let opening = null;
  // An upgrade that other connections block: calls fail at once until it ends.
  let blocked = false;

  // Opens `version` (the current one when undefined), creating the object store on upgrade.
  const request = (version) =>
    new Promise((resolve, reject) => {
      const req = version === undefined ? factory.open(database) : factory.open(database, version);
      let gaveUp = false;
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(objectStore)) req.result.createObjectStore(objectStore);
      };
      req.onsuccess = () => {
        const db = req.result;
        if (gaveUp) {
          // The blocked upgrade went through after all: the store exists now, and the next
          // call opens the database again.
          blocked = false;
          db.close();
          return;
        }
        resolve(db);
      };
      req.onerror = () => {
        if (gaveUp) blocked = false;
        reject(req.error ?? new Error("IndexedDB open failed"));
      };
      req.onblocked = () => {
        gaveUp = true;
        blocked = true;
        reject(new Error("IndexedDB open is blocked by another connection"));
      };
    });

  const open = () => {
    if (opening !== null) return opening;
    if (blocked) return Promise.reject(new Error("IndexedDB open is blocked by another connection"));
    const attempt = (async () => {
      if (factory === undefined || factory === null) {
        throw new Error("IndexedDB is not available in this context");
      }
      let db = await request(undefined);
      for (let i = 0; !db.objectStoreNames.contains(objectStore); i++) {
        const version = db.version + 1;
        db.close();
        if (i === MAX_UPGRADES) throw new Error(`IndexedDB object store ${JSON.stringify(objectStore)} could not be created`);
        db = await request(version);
      }
      // Another page or layer upgrading or deleting the database: let it, and reopen on the next call.
      db.onversionchange = () => {
        db.close();
        if (opening === attempt) opening = null;
      };
      db.onclose = () => {
        if (opening === attempt) opening = null;
      };
      return db;
    })();
    opening = attempt;
    attempt.catch(() => {
      if (opening === attempt) opening = null;
    });
    return attempt;
  };

  // Runs one request in its own transaction; resolves with its result once the transaction
  // commits, rejects with the transaction's error (QuotaExceededError and the like). A
  // connection closed for another's upgrade between open and transaction is opened again once.
  const run = async (mode, makeRequest) => {
    let db = await open();
    let tx;
    try {
      tx = db.transaction(objectStore, mode);
    } catch (err) {
      if (err?.name !== "InvalidStateError") throw err;
      if (opening !== null && (await opening.catch(() => null)) === db) opening = null;
      db = await open();
      tx = db.transaction(objectStore, mode);
    }
    return new Promise((resolve, reject) => {
      const req = makeRequest(tx.objectStore(objectStore));
      let result;
      req.onsuccess = () => {
        result = req.result;
      };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error ?? req.error ?? new Error("IndexedDB request failed"));
      tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
    });
  };

  return {
    get: (key) => run("readonly", (s) => s.get(key)),
    set: async (key, value) => {
      await run("readwrite", (s) => s.put(value, key));
    },
    // Whether the key was there: counted and deleted in one transaction.
    delete: async (key) => {
      const count = await run("readwrite", (s) => {
        const counting = s.count(key);
        counting.addEventListener("success", () => s.delete(key));
        return counting;
      });
      return count > 0;
    },
    /** Closes the connection; a later call opens it again. */
    async close() {
      const pending = opening;
      opening = null;
      if (pending !== null) (await pending.catch(() => null))?.close();
    },
  };
}
