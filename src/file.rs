//! A file replaced whole or not at all ([`ReplacedFile`]): the one way the library writes a file.
//!
//! The new content goes to a temporary file beside the target, which is renamed over it only once
//! complete and on disk, so a reader never sees half a file and a failure leaves the old one.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The mode of a new file: readable and writable by its owner only. Recordings are personal
/// data; a file the program replaces keeps the mode it had.
#[cfg(unix)]
pub(crate) const NEW_FILE_MODE: u32 = 0o600;

/// The content of a file under way: written to a temporary file beside the target, which
/// [`ReplacedFile::commit`] renames over it. Dropped without a commit, the temporary file is
/// removed and the target is left as it was.
///
/// Modes (Unix): the temporary file is created `0600`, whatever the umask; when the target is an
/// existing regular file, it is then given that file's permission bits. A symbolic link at the
/// target is replaced by the file itself: the link's target is neither written nor changed.
#[derive(Debug)]
pub(crate) struct ReplacedFile {
    file: File,
    temp: PathBuf,
    path: PathBuf,
    committed: bool,
}

impl ReplacedFile {
    /// Creates the temporary file beside `path`.
    pub fn create(path: &Path) -> io::Result<ReplacedFile> {
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
        let mut temp_name = OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".{:016x}.tmp", crate::random::random_u64()));
        let temp = path.with_file_name(temp_name);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, NEW_FILE_MODE);
        let file = options.open(&temp)?;
        let replaced = ReplacedFile {
            file,
            temp,
            path: path.to_path_buf(),
            committed: false,
        };
        #[cfg(unix)]
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            if meta.file_type().is_file() {
                // fchmod, so the umask does not narrow the mode the file had.
                replaced.file.set_permissions(meta.permissions())?;
            }
        }
        Ok(replaced)
    }

    /// Puts the content on disk, renames it over the target, and puts the rename on disk.
    pub fn commit(mut self) -> io::Result<()> {
        self.file.sync_all()?;
        std::fs::rename(&self.temp, &self.path)?;
        self.committed = true;
        // The rename is an entry of the directory: without this, a crash can lose it.
        let dir = match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()
    }
}

impl Write for ReplacedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for ReplacedFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "agentphone-file-{name}-{}-{:x}",
            std::process::id(),
            crate::random::random_u64()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    fn write(path: &Path, content: &[u8]) {
        let mut f = ReplacedFile::create(path).unwrap();
        f.write_all(content).unwrap();
        f.commit().unwrap();
    }

    #[test]
    fn a_new_file_is_private_and_a_replaced_one_keeps_its_mode() {
        let d = dir("modes");
        let new = d.join("new.wav");
        write(&new, b"a");
        assert_eq!(mode(&new), 0o600);
        let private = d.join("private.wav");
        std::fs::write(&private, b"old").unwrap();
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
        write(&private, b"new");
        assert_eq!(mode(&private), 0o600);
        assert_eq!(std::fs::read(&private).unwrap(), b"new");
        let shared = d.join("shared.wav");
        std::fs::write(&shared, b"old").unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o664)).unwrap();
        write(&shared, b"new");
        assert_eq!(mode(&shared), 0o664);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_symlink_is_replaced_and_its_target_left_alone() {
        let d = dir("symlink");
        let target = d.join("target.txt");
        std::fs::write(&target, b"untouched").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = d.join("link.wav");
        symlink(&target, &link).unwrap();
        write(&link, b"audio");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_file());
        assert_eq!(mode(&link), 0o600);
        assert_eq!(std::fs::read(&target).unwrap(), b"untouched");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn without_a_commit_nothing_is_left_and_the_old_file_stays() {
        let d = dir("abort");
        let path = d.join("keep.wav");
        std::fs::write(&path, b"old").unwrap();
        {
            let mut f = ReplacedFile::create(&path).unwrap();
            f.write_all(b"half").unwrap();
        }
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
        assert!(ReplacedFile::create(&d.join("missing-dir").join("x")).is_err());
        assert!(ReplacedFile::create(Path::new("/")).is_err());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
