//! Files that hold secrets (keys, tokens, sessions, recovery kits): readable by their
//! owner only (0600), written atomically (temporary file, fsync, rename, fsync of the
//! directory), so that a crash leaves either the old file or the new one.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

/// Where an atomic write to `path` must happen: a path that is not a regular file
/// (a terminal, a pipe, `/dev/stdout`, `/dev/null`) is written to directly, never
/// replaced; a symbolic link is followed, so the file it names is replaced.
pub enum Target {
    Stream,
    File(std::path::PathBuf),
}

pub fn target(path: &Path) -> Target {
    match fs::metadata(path) {
        Ok(m) if !m.is_file() => Target::Stream,
        Ok(_) => Target::File(fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())),
        Err(_) => Target::File(path.to_path_buf()),
    }
}

/// Starts the kernel's writeback of `len` bytes of `file` from `at`, without waiting
/// for it, and lets their pages go once written. A large file written and then
/// fsynced otherwise piles up as dirty pages that the fsync writes all at once (a
/// 256 MiB upload went a third slower than a 96 MiB one); written back as it goes,
/// the fsync finds little left. Advisory: a refusal changes nothing.
pub fn start_writeback(file: &fs::File, at: u64, len: u64) {
    if let Some(len) = std::num::NonZeroU64::new(len) {
        let _ = rustix::fs::fadvise(file, at, Some(len), rustix::fs::Advice::DontNeed);
    }
}

/// A file being written in full and then fsynced (a download saved): its bytes
/// start their way to the disk every [`WritebackFile::EVERY`] bytes.
pub struct WritebackFile {
    file: fs::File,
    written: u64,
    handed: u64,
}

impl WritebackFile {
    const EVERY: u64 = 1024 * 1024;

    pub fn new(file: fs::File) -> WritebackFile {
        WritebackFile {
            file,
            written: 0,
            handed: 0,
        }
    }

    /// The file, every byte written (not yet fsynced).
    pub fn into_inner(self) -> fs::File {
        self.file
    }
}

impl Write for WritebackFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.handed >= Self::EVERY {
            start_writeback(&self.file, self.handed, self.written - self.handed);
            self.handed = self.written;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Writes `bytes` to `path` with mode 0600, replacing any previous file.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_durable(path, bytes, 0o600)
}

/// Writes a public file (0644) as durably as a private one: a certificate.
pub fn write_public(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_durable(path, bytes, 0o644)
}

/// Writes under a temporary name, fsyncs, renames, fsyncs the directory.
fn write_durable(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let path = match target(path) {
        Target::Stream => return OpenOptions::new().write(true).open(path)?.write_all(bytes),
        Target::File(p) => p,
    };
    let path = path.as_path();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        super::hex(&super::random_bytes::<6>())
    ));
    let written = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        fs::File::open(dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Creates a directory (and its parents) with mode 0700 if it does not exist.
pub fn private_dir(path: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn writes_0600_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("secret");
        write_private(&p, b"one").unwrap();
        write_private(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn never_replaces_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read(fifo).unwrap())
        };
        write_private(&fifo, b"secret").unwrap();
        assert_eq!(reader.join().unwrap(), b"secret");
        assert!(
            !fs::metadata(&fifo).unwrap().is_file(),
            "the pipe was replaced"
        );
        // A link is followed: the file it names is replaced, the link stays.
        let real = dir.path().join("real");
        fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_private(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&real).unwrap(), b"new");
    }
}
