//! An in-process pipe of large blocks between two threads of the client: the thread
//! that encrypts (or decrypts) and the thread that talks to the network each work
//! on a block while the other fills or empties the next one, with a few blocks in
//! flight at most. An OS pipe holds 64 KiB, so with it the two threads wait on each
//! other every few TLS records.
//!
//! Closing: the writer sends its last partial block when dropped, and the reader then
//! reads the end of the stream; a reader dropped early makes the writer's next write
//! fail with `BrokenPipe`. What is sent is whatever was written before the drop, so a
//! caller must check its writer's own result before trusting the stream as complete
//! (as with an OS pipe).

use std::io::{self, Read, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// Bytes per block.
pub const BLOCK_BYTES: usize = 256 * 1024;
/// Full blocks waiting between the threads.
const DEPTH: usize = 4;

/// A pipe's writing end.
pub struct BlockWriter {
    block: Vec<u8>,
    tx: Option<SyncSender<Vec<u8>>>,
}

/// A pipe's reading end.
pub struct BlockReader {
    rx: Receiver<Vec<u8>>,
    block: Vec<u8>,
    pos: usize,
}

/// A pipe holding at most a few blocks (about 1.5 MiB).
pub fn block_pipe() -> (BlockWriter, BlockReader) {
    let (tx, rx) = sync_channel(DEPTH);
    (
        BlockWriter {
            block: Vec::with_capacity(BLOCK_BYTES),
            tx: Some(tx),
        },
        BlockReader {
            rx,
            block: Vec::new(),
            pos: 0,
        },
    )
}

impl BlockWriter {
    fn send(&mut self) -> io::Result<()> {
        let full = std::mem::replace(&mut self.block, Vec::with_capacity(BLOCK_BYTES));
        let tx = self
            .tx
            .as_ref()
            .ok_or_else(|| io::Error::from(io::ErrorKind::BrokenPipe))?;
        tx.send(full)
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the reading side stopped"))
    }
}

impl Write for BlockWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(BLOCK_BYTES - self.block.len());
        self.block.extend_from_slice(&buf[..n]);
        if self.block.len() == BLOCK_BYTES {
            self.send()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for BlockWriter {
    fn drop(&mut self) {
        if !self.block.is_empty() {
            let _ = self.send();
        }
        self.tx = None;
    }
}

impl Read for BlockReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.block.len() {
            match self.rx.recv() {
                Ok(next) => {
                    self.block = next;
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.block.len() - self.pos);
        buf[..n].copy_from_slice(&self.block[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_every_byte_in_order_and_reports_a_stopped_reader() {
        let data: Vec<u8> = (0..3 * BLOCK_BYTES + 12_345)
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        let (mut w, mut r) = block_pipe();
        let sent = data.clone();
        let writer = std::thread::spawn(move || {
            for piece in sent.chunks(7_777) {
                w.write_all(piece).unwrap();
            }
        });
        let mut got = Vec::new();
        r.read_to_end(&mut got).unwrap();
        writer.join().unwrap();
        assert_eq!(got, data);

        let (mut w, r) = block_pipe();
        drop(r);
        let err = w.write_all(&vec![0; BLOCK_BYTES]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }
}
