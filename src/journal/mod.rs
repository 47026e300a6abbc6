//! The journal's formats, shared by the server that writes it and the clients that
//! verify it: the Merkle tree ([`merkle`], RFC 6962), the binary leaf ([`leaf`]) and
//! the signed checkpoint ([`checkpoint`], C2SP tlog-checkpoint in a signed note), and
//! an entry's sealed [`details`], and the [`notice`] a restore from a backup signs.

pub mod checkpoint;
pub mod details;
pub mod leaf;
pub mod merkle;
pub mod notice;
