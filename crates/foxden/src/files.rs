//! Files that hold secrets are created mode 0600 (folders 0700).

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.exists() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Creates a new file readable only by its owner (fails if it exists).
pub fn create_private_file(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// Makes `path` readable only by its owner if it is not already (a key file
/// copied in by hand keeps its contents, not its mode).
pub fn make_private(path: &Path) -> io::Result<()> {
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Writes `contents` to `path` (mode 0600) through a temporary file renamed into
/// place, so a crash leaves the old file or the new one, never half of one.
pub fn write_private_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut file = create_private_file(&tmp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// Reads the 32-byte secret at `path`, creating it (mode 0600) on first use.
pub fn load_or_create_secret(path: &Path) -> io::Result<[u8; 32]> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let mut secret = [0u8; 32];
            hex::decode_to_slice(text.trim(), &mut secret).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    "secret file is not 64 hex characters",
                )
            })?;
            make_private(path)?;
            Ok(secret)
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            let secret = foxden_crypto::random::bytes::<32>();
            use std::io::Write;
            let mut file = create_private_file(path)?;
            file.write_all(foxden_crypto::to_hex(secret).as_bytes())?;
            file.sync_all()?;
            Ok(secret)
        }
        Err(err) => Err(err),
    }
}
