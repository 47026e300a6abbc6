//! Property tests on every parser of bytes or text that crosses a trust boundary:
//! the journal leaf, signed notes and verifier keys, grants' canonical form,
//! document seals, the daemon's configuration, recovery kits. Each must never
//! panic, and must round-trip or refuse.

use coffre::api::{DocumentSeal, Grant};
use coffre::crypto::server::LogKey;
use coffre::journal::checkpoint::{self, Checkpoint};
use coffre::journal::leaf::{Action, ActorKind, Leaf, Phase, LEAF_BYTES};
use proptest::prelude::*;

fn leaf() -> impl Strategy<Value = Leaf> {
    (
        any::<i64>(),
        any::<[u8; 32]>(),
        any::<u64>(),
        any::<[u8; 32]>(),
        prop::sample::select(Action::ALL),
        prop::sample::select(Phase::ALL),
        prop::sample::select(ActorKind::ALL),
        any::<[u8; 32]>(),
        any::<[u8; 32]>(),
        any::<[u8; 16]>(),
        any::<[u8; 32]>(),
    )
        .prop_map(|(t, s, q, p, a, ph, k, ac, o, r, c)| Leaf {
            time_ms: t,
            subject: s,
            seq: q,
            prev: p,
            action: a,
            phase: ph,
            actor_kind: k,
            actor: ac,
            object: o,
            request: r,
            commitment: c,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn leaves_round_trip(l in leaf()) {
        let bytes = l.encode();
        prop_assert_eq!(bytes.len(), LEAF_BYTES);
        prop_assert_eq!(Leaf::decode(&bytes), Some(l));
    }

    #[test]
    fn any_bytes_decode_to_a_canonical_leaf_or_nothing(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Some(l) = Leaf::decode(&bytes) {
            prop_assert_eq!(l.encode(), bytes);
        }
    }

    #[test]
    fn a_changed_leaf_byte_is_another_leaf_or_none(l in leaf(), at in 0..LEAF_BYTES, flip in 1u8..) {
        let mut bytes = l.encode();
        bytes[at] ^= flip;
        prop_assert_ne!(Leaf::decode(&bytes), Some(l));
    }

    #[test]
    fn notes_and_keys_never_panic(text in ".{0,300}", vkey in ".{0,120}") {
        let _ = checkpoint::verify(&text, &vkey);
        let _ = checkpoint::parse_verifier_key(&vkey);
        let _ = checkpoint::unverified(&text);
    }

    #[test]
    fn a_signed_note_verifies_only_as_signed(size in any::<u64>(), root in any::<[u8; 32]>(), at in any::<prop::sample::Index>(), flip in 1u8..) {
        let key = LogKey::generate();
        let origin = "coffre.example/journal/v1";
        let body = Checkpoint { origin: origin.into(), size, root }.body();
        let id = checkpoint::key_id(origin, &key.public_key());
        let note = checkpoint::note(&body, origin, id, &key.sign(body.as_bytes()));
        let vkey = checkpoint::verifier_key(origin, &key.public_key());
        let cp = checkpoint::verify(&note, &vkey).unwrap();
        prop_assert_eq!((cp.size, cp.root), (size, root));
        let mut bytes = note.into_bytes();
        let i = at.index(bytes.len());
        bytes[i] ^= flip;
        if let Ok(changed) = String::from_utf8(bytes) {
            if let Ok(cp2) = checkpoint::verify(&changed, &vkey) {
                // Only a change outside what is signed can still verify, and then
                // it says the same thing.
                prop_assert_eq!((cp2.size, cp2.root), (size, root));
            }
        }
    }

    #[test]
    fn a_well_formed_grant_has_one_line_per_field(purpose in "\\PC{0,60}", mediator in "[a-z.]{3,12}", n in 1usize..4) {
        let documents: Vec<coffre::api::DocumentId> =
            (0..n).map(|i| format!("{:032x}", i + 1).parse().unwrap()).collect();
        let g = Grant {
            origin: "coffre.example/journal/v1".into(),
            id: "a".repeat(32).parse().unwrap(),
            citizen: "mme.b".into(),
            mediator,
            recipient: "age1xyz".into(),
            digests: vec![format!("{}.{}", "1".repeat(64), "2".repeat(64)); n],
            documents,
            purpose,
            not_before_ms: 1,
            expires_ms: 2,
            created_ms: 1,
            nonce: "b".repeat(32),
        };
        if g.well_formed() {
            let text = String::from_utf8(g.canonical()).unwrap();
            prop_assert_eq!(text.lines().count(), 13);
            let mut other = g.clone();
            other.purpose.push('x');
            prop_assert_ne!(other.canonical(), g.canonical());
        }
    }

    #[test]
    fn seals_name_every_field(size in any::<u64>(), a in "[0-9a-f]{64}", b in "[0-9a-f]{64}") {
        let seal = |size, payload: &str| DocumentSeal {
            origin: "o", id: "i", owner: "w", size, payload_sha256: payload,
            meta_sha256: &b, envelope_sha256: &b,
        }.canonical();
        prop_assert_ne!(seal(size, &a), seal(size.wrapping_add(1), &a));
        if a != b {
            prop_assert_ne!(seal(size, &a), seal(size, &b));
        }
    }

    #[test]
    fn configurations_parse_or_refuse(text in "(\\[(limits|timeouts|tls|log)\\]\n)?([a-z_]{1,20} = (\"[a-z./:]{0,20}\"|[0-9]{1,6})\n){0,4}") {
        if let Ok(config) = toml::from_str::<coffre::config::Config>(&text) {
            let _ = config.validate();
        }
    }

    #[test]
    fn recovery_kits_parse_or_refuse(text in "\\PC{0,200}") {
        let _ = coffre::crypto::recovery::RecoveryKey::from_kit(&text);
    }
}
