// What the scan page's verifier says, in Chinese and English (picked by data-lang).

const MESSAGES = {
  zh: {
    fetching: '正在下载证明…',
    checking: '正在本机核验：第 {done} 步，共 {total} 步',
    verified: '本机已核验：{steps} 个环节的签名和记录全部属实（检查点 {size} 条记录）',
    failed: '本机核验未通过：{count} 处不符',
    unsupported: '此浏览器无法在本机核验（{why}）。以下为服务器的核验结果，并非本机核验：{server}',
    error: '无法取得证明（{why}）。以下为服务器的核验结果，并非本机核验：{server}',
    why_insecure_context: '页面不是安全连接',
    why_no_webcrypto: '缺少 WebCrypto',
    why_no_ed25519: 'WebCrypto 不支持 Ed25519',
    server_verified: '服务器：已核验',
    server_failed: '服务器：未通过',
    server_unknown: '服务器：无结果',
    step_verified: '已核验',
    step_failed: '未通过',
    step_missing: '证明中没有这一步',
    bundle_failed: '整体证明未通过：{why}',
    check_inclusion: '记录不在已签名的账本中',
    check_canonical_bytes: '记录的字节不是规范格式',
    check_entry_shape: '记录格式不正确',
    check_index: '记录编号不符',
    check_signature: '签名无效',
    check_unknown_key: '签名密钥未经登记',
    check_unknown_actor: '签名主体未经登记',
    check_key_revoked: '签名密钥已被吊销',
    check_role_not_permitted: '该主体无权记录此环节',
    check_event_in_future: '事件时间晚于记录时间',
    check_not_operator: '不是运营方签署的',
    check_genesis: '账本起始记录不符',
    check_bundle: '证明文件格式不正确',
    check_operator_key: '证明使用了其他运营方密钥',
    check_checkpoint_signature: '检查点签名无效',
    check_checkpoint_origin: '检查点属于其他账本',
    check_subject: '证明中没有关于此商品的事件',
    check_other: '不符合账本规则（{check}）',
  },
  en: {
    fetching: 'Downloading the proof…',
    checking: 'Checking in this browser: step {done} of {total}',
    verified: 'Verified in this browser: the signatures and records of all {steps} steps hold (checkpoint of {size} entries)',
    failed: 'Verification in this browser failed: {count} problem(s)',
    unsupported: "This browser cannot verify here ({why}). Below is the server's verdict, not checked by this browser: {server}",
    error: "The proof could not be fetched ({why}). Below is the server's verdict, not checked by this browser: {server}",
    why_insecure_context: 'the page is not a secure context',
    why_no_webcrypto: 'no WebCrypto',
    why_no_ed25519: "WebCrypto here has no Ed25519",
    server_verified: 'server: verified',
    server_failed: 'server: failed',
    server_unknown: 'server: no verdict',
    step_verified: 'verified',
    step_failed: 'failed',
    step_missing: 'this step is not in the proof bundle',
    bundle_failed: 'the proof as a whole failed: {why}',
    check_inclusion: 'the record is not in the signed log',
    check_canonical_bytes: 'the record bytes are not canonical',
    check_entry_shape: 'the record is malformed',
    check_index: 'the record number does not match',
    check_signature: 'the signature does not verify',
    check_unknown_key: 'the signing key is not registered',
    check_unknown_actor: 'the signer is not registered',
    check_key_revoked: 'the signing key was revoked',
    check_role_not_permitted: 'the signer may not record this step',
    check_event_in_future: 'the event time is after the time it was recorded',
    check_not_operator: 'not signed by the operator',
    check_genesis: "the log's first record does not match",
    check_bundle: 'the proof file is malformed',
    check_operator_key: 'the proof names another operator key',
    check_checkpoint_signature: "the checkpoint's signature does not verify",
    check_checkpoint_origin: 'the checkpoint belongs to another log',
    check_subject: 'no event in the proof is about this product',
    check_other: 'a ledger rule is broken ({check})',
  },
};

/**
 * The message `key` in `lang` ('zh' or 'en'; anything else is 'zh'), with `{name}`
 * placeholders filled from `params`.
 * @param {string} lang
 * @param {string} key
 * @param {Object<string, string|number>} [params]
 * @returns {string}
 */
export function message(lang, key, params = {}) {
  const table = MESSAGES[lang] || MESSAGES.zh;
  const template = table[key] !== undefined ? table[key] : key;
  return template.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/**
 * Plain words for a failed check's name.
 * @param {string} lang
 * @param {string} check
 * @returns {string}
 */
export function checkMessage(lang, check) {
  const table = MESSAGES[lang] || MESSAGES.zh;
  const key = `check_${check}`;
  return key in table ? table[key] : message(lang, 'check_other', { check });
}
