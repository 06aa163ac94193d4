// What the scan page's verifier says, in Chinese and English (picked by data-lang).

const MESSAGES = {
  zh: {
    fetching: '正在下载证明……',
    line_checking: '正在您的手机上核验……',
    line_verified: '已在您的手机上核验全部 {steps} 个环节。',
    line_failed: '您的手机核验未通过。',
    line_unsupported: '此浏览器无法在手机上核验，以服务器的核验为准。',
    line_error: '手机核验未能完成，以服务器的核验为准。',
    headline_failed_step: '核验未通过：第 {n} 步“{title}”不符',
    headline_failed: '核验未通过',
    why_failed: '这份记录可能被改动过，请不要相信本页内容。',
    checking: '正在本机核验：第 {done} 步，共 {total} 步',
    verified: '本机已核验：{steps} 个环节的签名和记录全部属实（检查点 {size} 条记录）',
    failed: '本机核验未通过：{why}。这份证明可能被改动过。',
    why_steps: '{count} 个环节不符（{reasons}）',
    why_registrations: '{count} 条签名者登记记录不符（{reasons}）',
    why_stopped: '{why}，因此无法核验任何环节',
    sep: '；',
    unsupported: '此浏览器无法在本机核验（{why}）。以下为服务器的核验结果，并非本机核验：{server}',
    error: '无法取得证明（{why}）。以下为服务器的核验结果，并非本机核验：{server}',
    script_error: '本机核验出错，未能完成（{why}）。以下为服务器的核验结果，并非本机核验：{server}',
    why_insecure_context: '本页不是通过安全连接（https）打开的',
    why_no_webcrypto: '缺少 WebCrypto',
    why_no_ed25519: 'WebCrypto 不支持 Ed25519',
    why_timeout: '下载超时',
    server_verified: '服务器：已核验',
    server_failed: '服务器：未通过',
    server_unknown: '服务器：无结果',
    step_verified: '已核验',
    step_failed: '未通过',
    step_unchecked: '未能核验',
    step_missing: '证明中没有这一步',
    step_not_checked: '无法核验这一步：{why}',
    bundle_failed: '整体证明未通过：{why}',
    where_bundle: '整份证明',
    where_entry: '记录 #{index}',
    check_inclusion: '记录不在账本已签名的检查点中',
    check_canonical_bytes: '记录的字节被改动过（不是规范格式）',
    check_entry_shape: '记录已损坏，无法读取',
    check_index: '记录编号不符',
    check_signature: '签名无效',
    check_unknown_key: '签名密钥未经登记',
    check_unknown_actor: '签名主体未经登记',
    check_key_revoked: '签名密钥已被吊销',
    check_role_not_permitted: '该主体无权记录此环节',
    check_event_in_future: '事件时间晚于记录时间',
    check_not_operator: '不是运营方签署的',
    check_genesis: '账本的起始记录不符',
    check_bundle: '证明文件已损坏或格式不正确',
    check_operator_key: '证明所用的运营方密钥与本页信任的密钥不符',
    check_checkpoint_signature: '账本检查点的签名无效',
    check_checkpoint_origin: '检查点属于另一个账本',
    check_subject: '证明中没有关于这件商品的事件',
    check_other: '不符合账本规则（{check}）',
    report_checking: '正在核对检测报告……',
    report_matches: '报告与账本记录一致',
    report_matches_page: '报告与本页所列的哈希一致（这一步的记录未经本机核验）',
    report_altered: '警告：报告与账本记录不一致，文件可能被改动过，请勿采信',
    report_error: '无法取得检测报告（{why}）',
  },
  en: {
    fetching: 'Downloading the proof…',
    line_checking: 'Checking on your phone…',
    line_verified: 'Checked on your phone: all {steps} steps hold.',
    line_failed: "Your phone's check failed.",
    line_unsupported: "This browser cannot check it on your phone; the server's check stands.",
    line_error: "Your phone's check could not finish; the server's check stands.",
    headline_failed_step: 'Check failed at step {n}, {title}',
    headline_failed: 'Check failed',
    why_failed: 'This record may have been altered: do not rely on this page.',
    checking: 'Checking in this browser: step {done} of {total}',
    verified: 'Verified in this browser: the signatures and records of all {steps} steps hold (checkpoint of {size} entries)',
    failed: 'Verification in this browser failed: {why}. The proof may have been altered.',
    why_steps: '{count} step(s) do not hold ({reasons})',
    why_registrations: '{count} signer registration record(s) do not hold ({reasons})',
    why_stopped: '{why}, so no step could be checked',
    sep: '; ',
    unsupported: "This browser cannot verify here ({why}). Below is the server's verdict, not checked by this browser: {server}",
    error: "The proof could not be fetched ({why}). Below is the server's verdict, not checked by this browser: {server}",
    script_error: "Checking in this browser stopped with an error ({why}). Below is the server's verdict, not checked by this browser: {server}",
    why_insecure_context: 'the page is not a secure context',
    why_no_webcrypto: 'no WebCrypto',
    why_no_ed25519: "WebCrypto here has no Ed25519",
    why_timeout: 'the download timed out',
    server_verified: 'server: verified',
    server_failed: 'server: failed',
    server_unknown: 'server: no verdict',
    step_verified: 'verified',
    step_failed: 'failed',
    step_unchecked: 'not checked',
    step_missing: 'this step is not in the proof bundle',
    step_not_checked: 'this step could not be checked: {why}',
    bundle_failed: 'the proof as a whole failed: {why}',
    where_bundle: 'whole proof',
    where_entry: 'entry #{index}',
    check_inclusion: "the record is not in the ledger's signed checkpoint",
    check_canonical_bytes: "the record's bytes were altered (not in canonical form)",
    check_entry_shape: 'the record is damaged and cannot be read',
    check_index: 'the record number does not match',
    check_signature: 'the signature does not verify',
    check_unknown_key: 'the signing key is not registered',
    check_unknown_actor: 'the signer is not registered',
    check_key_revoked: 'the signing key was revoked',
    check_role_not_permitted: 'the signer may not record this step',
    check_event_in_future: 'the event time is after the time it was recorded',
    check_not_operator: 'not signed by the operator',
    check_genesis: "the ledger's first record does not match",
    check_bundle: 'the proof file is damaged or malformed',
    check_operator_key: 'the proof names another operator key than the one this page trusts',
    check_checkpoint_signature: "the ledger checkpoint's signature does not verify",
    check_checkpoint_origin: 'the checkpoint belongs to another ledger',
    check_subject: 'no event in the proof is about this product',
    check_other: 'a ledger rule is broken ({check})',
    report_checking: 'Checking the lab report…',
    report_matches: 'report matches the ledger',
    report_matches_page: 'the report matches the hash this page shows (the step itself was not verified in this browser)',
    report_altered: 'Warning: this report does not match the ledger record; the file may have been altered, do not rely on it',
    report_error: 'The lab report could not be fetched ({why})',
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
