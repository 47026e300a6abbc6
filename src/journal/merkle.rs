//! RFC 6962 / RFC 9162 Merkle tree over SHA-256: hashes, proofs from stored complete
//! subtrees, and proof verification.
//!
//! Storage keeps the hash of every *complete* subtree: node (level, index) covers
//! leaves `index << level .. (index + 1) << level`. Any subtree hash the proofs need
//! is then a combination of O(log n) stored nodes.

use sha2::{Digest, Sha256};

/// A SHA-256 value.
pub type Hash = [u8; 32];

/// Why a proof does not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("index or sizes out of range")]
    Range,
    #[error("a hash is not 32 bytes")]
    HashLength,
    #[error("the proof has the wrong length")]
    Length,
    #[error("the proof does not lead to the root")]
    Mismatch,
}

/// H(0x00 || entry).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

/// H(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly smaller than `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// Where complete-subtree hashes come from.
pub trait Nodes {
    type Error;
    fn node(&self, level: u32, index: u64) -> Result<Hash, Self::Error>;
}

/// The hash of leaves `start .. start + size` (size ≥ 1).
pub fn subtree<N: Nodes>(nodes: &N, start: u64, size: u64) -> Result<Hash, N::Error> {
    if size.is_power_of_two() && start.is_multiple_of(size) {
        return nodes.node(size.trailing_zeros(), start >> size.trailing_zeros());
    }
    let k = split(size);
    let left = subtree(nodes, start, k)?;
    let right = subtree(nodes, start + k, size - k)?;
    Ok(node_hash(&left, &right))
}

/// The root of the first `size` leaves.
pub fn root<N: Nodes>(nodes: &N, size: u64) -> Result<Hash, N::Error> {
    if size == 0 {
        return Ok(empty_root());
    }
    subtree(nodes, 0, size)
}

/// The complete nodes that appending leaf `index` (with `hash`) completes, as
/// (level, index, hash), leaf first. `nodes` must already hold the earlier leaves.
pub fn completed_by<N: Nodes>(
    nodes: &N,
    index: u64,
    hash: Hash,
) -> Result<Vec<(u32, u64, Hash)>, N::Error> {
    let mut out = vec![(0, index, hash)];
    let (mut level, mut idx, mut current) = (0u32, index, hash);
    while idx % 2 == 1 {
        let left = nodes.node(level, idx - 1)?;
        current = node_hash(&left, &current);
        level += 1;
        idx >>= 1;
        out.push((level, idx, current));
    }
    Ok(out)
}

/// RFC 6962 PATH(m, D[size]): the audit path of leaf `m`.
pub fn inclusion_proof<N: Nodes>(nodes: &N, m: u64, size: u64) -> Result<Vec<Hash>, N::Error> {
    let mut proof = Vec::new();
    path(nodes, m, 0, size, &mut proof)?;
    Ok(proof)
}

fn path<N: Nodes>(
    nodes: &N,
    m: u64,
    start: u64,
    n: u64,
    out: &mut Vec<Hash>,
) -> Result<(), N::Error> {
    if n <= 1 {
        return Ok(());
    }
    let k = split(n);
    if m < k {
        path(nodes, m, start, k, out)?;
        out.push(subtree(nodes, start + k, n - k)?);
    } else {
        path(nodes, m - k, start + k, n - k, out)?;
        out.push(subtree(nodes, start, k)?);
    }
    Ok(())
}

/// RFC 6962 PROOF(m, D[n]): the consistency proof from size `m` to size `n`.
pub fn consistency_proof<N: Nodes>(nodes: &N, m: u64, n: u64) -> Result<Vec<Hash>, N::Error> {
    let mut proof = Vec::new();
    if m > 0 && m < n {
        subproof(nodes, m, 0, n, true, &mut proof)?;
    }
    Ok(proof)
}

fn subproof<N: Nodes>(
    nodes: &N,
    m: u64,
    start: u64,
    n: u64,
    whole: bool,
    out: &mut Vec<Hash>,
) -> Result<(), N::Error> {
    if m == n {
        if !whole {
            out.push(subtree(nodes, start, n)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof(nodes, m, start, k, whole, out)?;
        out.push(subtree(nodes, start + k, n - k)?);
    } else {
        subproof(nodes, m - k, start + k, n - k, false, out)?;
        out.push(subtree(nodes, start, k)?);
    }
    Ok(())
}

fn to_hash(bytes: &[u8]) -> Result<Hash, ProofError> {
    bytes.try_into().map_err(|_| ProofError::HashLength)
}

/// RFC 9162 §2.1.3.2: verifies that `leaf` (a leaf hash) is at `index` in the tree
/// of `size` leaves with `root`.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &[u8],
    proof: &[Vec<u8>],
    root: &[u8],
) -> Result<(), ProofError> {
    let (leaf, root) = (to_hash(leaf)?, to_hash(root)?);
    if index >= size {
        return Err(ProofError::Range);
    }
    let (mut f, mut s, mut r) = (index, size - 1, leaf);
    for p in proof {
        let p = to_hash(p)?;
        if s == 0 {
            return Err(ProofError::Length);
        }
        if f & 1 == 1 || f == s {
            r = node_hash(&p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, &p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::Length);
    }
    (r == root).then_some(()).ok_or(ProofError::Mismatch)
}

/// RFC 9162 §2.1.4.2: verifies that the tree (`size2`, `root2`) extends the tree
/// (`size1`, `root1`). A proof from size 0 is refused (it proves nothing).
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    root1: &[u8],
    root2: &[u8],
    proof: &[Vec<u8>],
) -> Result<(), ProofError> {
    if size1 == 0 || size1 > size2 {
        return Err(ProofError::Range);
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(ProofError::Length);
        }
        return (root1 == root2).then_some(()).ok_or(ProofError::Mismatch);
    }
    let (root1, root2) = (to_hash(root1)?, to_hash(root2)?);
    if proof.is_empty() {
        return Err(ProofError::Length);
    }
    let mut path: Vec<Hash> = proof.iter().map(|p| to_hash(p)).collect::<Result<_, _>>()?;
    if size1.is_power_of_two() {
        path.insert(0, root1);
    }
    let (mut f, mut s) = (size1 - 1, size2 - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s == 0 {
            return Err(ProofError::Length);
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::Length);
    }
    (fr == root1 && sr == root2)
        .then_some(())
        .ok_or(ProofError::Mismatch)
}

/// Complete-subtree nodes in memory (tests, benchmarks, the audit).
#[derive(Default)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
    size: u64,
}

impl Nodes for MemoryTree {
    type Error = std::convert::Infallible;
    fn node(&self, level: u32, index: u64) -> Result<Hash, Self::Error> {
        Ok(self.levels[level as usize][index as usize])
    }
}

impl MemoryTree {
    pub fn push(&mut self, leaf: Hash) {
        let Ok(done) = completed_by(self, self.size, leaf);
        for (level, index, hash) in done {
            let level = level as usize;
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            debug_assert_eq!(self.levels[level].len() as u64, index);
            self.levels[level].push(hash);
        }
        self.size += 1;
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn root(&self) -> Hash {
        let Ok(r) = root(self, self.size);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(n: u64) -> MemoryTree {
        let mut t = MemoryTree::default();
        for i in 0..n {
            t.push(leaf_hash(&i.to_be_bytes()));
        }
        t
    }

    /// The plain recursive definition of RFC 6962 MTH, for comparison.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    /// RFC 6962 §2.1.1 PATH, written straight from the text over a leaf array.
    fn naive_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
        let n = leaves.len();
        if n <= 1 {
            return Vec::new();
        }
        let k = split(n as u64) as usize;
        if m < k {
            let mut p = naive_path(m, &leaves[..k]);
            p.push(mth(&leaves[k..]));
            p
        } else {
            let mut p = naive_path(m - k, &leaves[k..]);
            p.push(mth(&leaves[..k]));
            p
        }
    }

    /// RFC 6962 §2.1.2 SUBPROOF, likewise.
    fn naive_subproof(m: usize, leaves: &[Hash], whole: bool) -> Vec<Hash> {
        let n = leaves.len();
        if m == n {
            return if whole { Vec::new() } else { vec![mth(leaves)] };
        }
        let k = split(n as u64) as usize;
        if m <= k {
            let mut p = naive_subproof(m, &leaves[..k], whole);
            p.push(mth(&leaves[k..]));
            p
        } else {
            let mut p = naive_subproof(m - k, &leaves[k..], false);
            p.push(mth(&leaves[..k]));
            p
        }
    }

    #[test]
    fn proofs_match_a_straight_reading_of_the_rfc() {
        let leaves: Vec<Hash> = (0..45u64).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let t = tree(45);
        for n in 1..=45usize {
            for m in 0..n {
                let Ok(p) = inclusion_proof(&t, m as u64, n as u64);
                assert_eq!(p, naive_path(m, &leaves[..n]), "path {m} {n}");
            }
            for m in 1..n {
                let Ok(p) = consistency_proof(&t, m as u64, n as u64);
                assert_eq!(p, naive_subproof(m, &leaves[..n], true), "proof {m} {n}");
            }
        }
    }

    #[test]
    fn roots_match_the_definition() {
        let leaves: Vec<Hash> = (0..70u64).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut t = MemoryTree::default();
        for (i, l) in leaves.iter().enumerate() {
            t.push(*l);
            assert_eq!(t.root(), mth(&leaves[..=i]), "size {}", i + 1);
        }
    }

    #[test]
    fn every_proof_verifies_and_a_flipped_bit_does_not() {
        let t = tree(37);
        for n in 1..=37u64 {
            let Ok(r) = root(&t, n);
            for m in 0..n {
                let Ok(p) = inclusion_proof(&t, m, n);
                let p: Vec<Vec<u8>> = p.iter().map(|h| h.to_vec()).collect();
                let Ok(leaf) = t.node(0, m);
                assert_eq!(verify_inclusion(m, n, &leaf, &p, &r), Ok(()), "{m} in {n}");
                if let Some(first) = p.first() {
                    let mut bad = p.clone();
                    bad[0] = first.iter().map(|b| b ^ 1).collect();
                    assert!(verify_inclusion(m, n, &leaf, &bad, &r).is_err());
                }
            }
            for m in 1..=n {
                let Ok(r1) = root(&t, m);
                let Ok(p) = consistency_proof(&t, m, n);
                let p: Vec<Vec<u8>> = p.iter().map(|h| h.to_vec()).collect();
                assert_eq!(verify_consistency(m, n, &r1, &r, &p), Ok(()), "{m} -> {n}");
                if m < n {
                    let other = leaf_hash(b"fork");
                    assert!(verify_consistency(m, n, &other, &r, &p).is_err());
                }
            }
        }
    }
}
