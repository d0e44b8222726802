// A layer over IndexedDB for browsers: a keyv-style { get, set, delete } store of structured clones.
//
// The database opens on first use; when it cannot be opened (IndexedDB missing, a private
// window, an opaque origin, a blocked upgrade) every call rejects, so the cache counts the
// failure and skips the layer, and the next call tries to open it again.

/**
 * @param {{ database?: string, objectStore?: string, indexedDB?: IDBFactory }} [options]
 */
export function indexedDbLayer(options = {}) {
  const database = options.database ?? "cache-wasm";
  const objectStore = options.objectStore ?? "entries";
  const factory = "indexedDB" in options ? options.indexedDB : globalThis.indexedDB;
  let opening = null;

  const open = () => {
    if (opening !== null) return opening;
    opening = new Promise((resolve, reject) => {
      if (factory === undefined || factory === null) {
        throw new Error("IndexedDB is not available in this context");
      }
      const req = factory.open(database, 1);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(objectStore)) req.result.createObjectStore(objectStore);
      };
      req.onsuccess = () => {
        const db = req.result;
        // Another tab upgrading or deleting the database: let it, and reopen on the next call.
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        db.onclose = () => {
          opening = null;
        };
        resolve(db);
      };
      req.onerror = () => reject(req.error ?? new Error("IndexedDB open failed"));
      req.onblocked = () => reject(new Error("IndexedDB open is blocked by another connection"));
    });
    opening.catch(() => {
      opening = null;
    });
    return opening;
  };

  // Runs one request in its own transaction; resolves with its result once the transaction
  // commits, rejects with the transaction's error (QuotaExceededError and the like).
  const run = async (mode, makeRequest) => {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(objectStore, mode);
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
    delete: async (key) => {
      await run("readwrite", (s) => s.delete(key));
    },
    /** Closes the connection; a later call opens it again. */
    async close() {
      const pending = opening;
      opening = null;
      if (pending !== null) (await pending.catch(() => null))?.close();
    },
  };
}
