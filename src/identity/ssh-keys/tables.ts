export interface SshKeysTable {
  id: string;
  user_id: string;
  /** What the person calls it ("laptop"); it ends up in authorized_keys comments. */
  name: string;
  type: string;
  bits: number;
  /** `SHA256:…` as `ssh-keygen -lf` prints it; unique across the platform. */
  fingerprint: string;
  /** `TYPE BASE64`, without the comment. */
  public_key: string;
  /** The comment the key came with, often `user@host`. */
  comment: string;
  created_at: number;
  /** Who added it: the person, or a Keeper for them. */
  added_by: string;
}

export interface SshKeyTables {
  ssh_keys: SshKeysTable;
}
