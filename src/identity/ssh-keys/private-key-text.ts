// Whether pasted text is a private key: checked by the server, the CLI and the portal (this
// file has no imports, so the browser bundle shares it), so that a private key picked by
// mistake is refused before it is sent anywhere.

/** Whether text holds a private key of any common kind (OpenSSH, PEM, PKCS#8, PuTTY). */
export function looksLikePrivateKey(text: string): boolean {
  return /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|^PuTTY-User-Key-File-/m.test(text);
}
