// The phone's own storage (IndexedDB): its device key, the outbox of signed statements,
// and cached copies of what the forms need offline (the vocabulary, the actor's holdings).
// A CryptoKey is stored as it is: IndexedDB keeps a non-extractable key non-extractable.

const NAME = 'traceledger-app';
const VERSION = 1;
export const STORES = ['device', 'outbox', 'cache'];

let opened = null;

/** The database, opened once per page. */
export function open() {
  if (opened) return opened;
  opened = new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains('device')) db.createObjectStore('device');
      if (!db.objectStoreNames.contains('cache')) db.createObjectStore('cache');
      if (!db.objectStoreNames.contains('outbox')) {
        db.createObjectStore('outbox', { keyPath: 'id' }).createIndex('created', 'created');
      }
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opened;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function store(name, mode) {
  return (await open()).transaction(name, mode).objectStore(name);
}

/** The value at `key` in store `name`, or undefined. */
export async function get(name, key) {
  return done((await store(name, 'readonly')).get(key));
}

/** Write `value` (at `key` for stores without a key path). */
export async function put(name, value, key) {
  const s = await store(name, 'readwrite');
  return done(key === undefined ? s.put(value) : s.put(value, key));
}

/** Write several values of a store with a key path, in one transaction. */
export async function putAll(name, values) {
  const transaction = (await open()).transaction(name, 'readwrite');
  const s = transaction.objectStore(name);
  for (const value of values) s.put(value);
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
  });
}

/** Delete the value at `key`. */
export async function remove(name, key) {
  return done((await store(name, 'readwrite')).delete(key));
}

/** Every outbox item, oldest first. */
export async function outbox() {
  return done((await store('outbox', 'readonly')).index('created').getAll());
}
