//! The citizen's document listing kept in her home between commands
//! (`listing.age`, 0600): the server's records and their tag, sealed to her own
//! age key, so that a command whose listing did not change gets a 304 and no
//! records from the server. Only her session opens it; `logout` and an expired or
//! replaced session remove it with the session file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Session;
use crate::api::DocumentRecord;
use crate::crypto::keyfile;

const FILE: &str = "listing.age";

fn path(home: &Path) -> PathBuf {
    home.join(FILE)
}

/// A kept listing.
#[derive(Serialize, Deserialize)]
pub struct Kept {
    server: String,
    user: String,
    pub tag: String,
    pub records: Vec<DocumentRecord>,
}

/// The kept listing of this session's server and user, if one opens.
pub fn read(home: &Path, session: &Session) -> Option<Kept> {
    let sealed = std::fs::read(path(home)).ok()?;
    let opened = session.identity().open(&sealed).ok();
    let kept = opened.and_then(|bytes| serde_json::from_slice::<Kept>(&bytes).ok());
    match kept {
        // The same deployment (its host: a move to another port, or a restored
        // server, keeps it) and the same user.
        Some(k)
            if super::journal::deployment(&k.server)
                == super::journal::deployment(&session.server)
                && k.user == session.user =>
        {
            Some(k)
        }
        _ => {
            forget(home);
            None
        }
    }
}

/// Keeps a listing (a failure to write only costs the next command a full answer).
pub fn write(home: &Path, session: &Session, tag: &str, records: &[DocumentRecord]) {
    #[derive(Serialize)]
    struct KeptRef<'a> {
        server: &'a str,
        user: &'a str,
        tag: &'a str,
        records: &'a [DocumentRecord],
    }
    let Ok(json) = serde_json::to_vec(&KeptRef {
        server: &session.server,
        user: &session.user,
        tag,
        records,
    }) else {
        return;
    };
    let sealed = crate::crypto::document::seal(&session.identity().age().to_public(), &json);
    if keyfile::write_private(&path(home), &sealed).is_err() {
        forget(home);
    }
}

/// Removes the kept listing (absent is fine).
pub fn forget(home: &Path) {
    let _ = std::fs::remove_file(path(home));
}
