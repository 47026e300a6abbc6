//! Many people at once: concurrent registrations, uploads, downloads and shares
//! against one daemon leave every chain intact and every proof valid.

use std::sync::Arc;

use coffre::client::documents::NewDocument;
use coffre::client::NoProgress;
use coffre::crypto::SecretString;

use crate::harness::{Daemon, PASS};

#[test]
fn concurrent_citizens_keep_the_journal_sound() {
    let d = Arc::new(Daemon::start());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let d = Arc::clone(&d);
            std::thread::spawn(move || {
                let user = d.user(&format!("citizen{t}"));
                let client = user.client();
                let pass = SecretString::from(PASS.to_owned());
                let enrolled = client
                    .register(&user.name, &pass, "23/11/2026", None)
                    .unwrap();
                let session = enrolled.session;
                for i in 0..4 {
                    let data = format!("document {i} of citizen {t} ")
                        .repeat(2000)
                        .into_bytes();
                    let doc = NewDocument {
                        title: format!("Papier {i}"),
                        category: coffre::api::Category::Other,
                        issued: None,
                        expires: None,
                        mime: "text/plain".into(),
                    };
                    let len = data.len() as u64;
                    let id = client
                        .add(&session, &data[..], Some(len), doc, &NoProgress)
                        .unwrap();
                    let mut back = Vec::new();
                    client.get(&session, &id, &mut back, &NoProgress).unwrap();
                    assert_eq!(back, data);
                    client.check_journal(&session).unwrap();
                }
                let entries = client.journal(&session).unwrap();
                // registration, then per document: upload, download attempt and outcome.
                assert!(entries.len() > 4 * 3, "{}", entries.len());
                user
            })
        })
        .collect();
    let users: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let report: serde_json::Value =
        serde_json::from_str(&d.admin(&["--json", "journal", "verify"])).unwrap();
    assert_eq!(report["ok"], true, "{report}");
    assert!(report["subjects"].as_u64().unwrap() >= 8);
    for u in &users {
        assert_eq!(u.list().len(), 4);
    }
}
