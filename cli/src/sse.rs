//! A small, strict reader of server-sent events (the `text/event-stream` format of the HTML
//! standard) for `medchain watch --server`: bytes go in as they arrive, whole messages come
//! out. Lines end with LF, CRLF or CR; `:` lines are comments (keep-alives); `event`, `data`
//! and `id` are kept, `retry` and unknown fields are ignored as the standard says; a blank
//! line ends a message. A line that is not UTF-8, or a buffered line longer than
//! [`MAX_LINE`], is an error rather than something to guess at.

/// The longest line kept in the buffer before it is refused (an event is one JSON line).
pub const MAX_LINE: usize = 1 << 20;

/// One dispatched message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The `event:` field, `message` when absent.
    pub event: String,
    /// The `data:` lines joined by `\n`.
    pub data: String,
    /// The last `id:` seen on the stream so far (what `Last-Event-ID` would send).
    pub id: Option<String>,
}

/// The reader's state between chunks.
#[derive(Debug, Default)]
pub struct SseReader {
    buffer: Vec<u8>,
    /// A CR ended the previous chunk: a LF starting the next one belongs to it.
    after_cr: bool,
    event: Option<String>,
    data: Option<String>,
    last_id: Option<String>,
}

impl SseReader {
    /// An empty reader.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one chunk; returns the messages it completes, in order.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<Message>, String> {
        let mut out = Vec::new();
        for &byte in chunk {
            if self.after_cr {
                self.after_cr = false;
                if byte == b'\n' {
                    continue;
                }
            }
            match byte {
                b'\n' | b'\r' => {
                    self.after_cr = byte == b'\r';
                    let line = std::mem::take(&mut self.buffer);
                    let line = String::from_utf8(line)
                        .map_err(|_| "the event stream has a line that is not UTF-8".to_string())?;
                    if let Some(message) = self.line(&line) {
                        out.push(message);
                    }
                }
                _ => {
                    if self.buffer.len() >= MAX_LINE {
                        return Err(format!(
                            "the event stream has a line longer than {MAX_LINE} bytes"
                        ));
                    }
                    self.buffer.push(byte);
                }
            }
        }
        Ok(out)
    }

    /// Processes one line; a blank line dispatches the message being built.
    fn line(&mut self, line: &str) -> Option<Message> {
        if line.is_empty() {
            let event = self.event.take();
            let data = self.data.take()?;
            return Some(Message {
                event: event.unwrap_or_else(|| "message".to_string()),
                data,
                id: self.last_id.clone(),
            });
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = Some(value.to_string()),
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            },
            "id" if !value.contains('\0') => self.last_id = Some(value.to_string()),
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_split_across_chunks_and_line_endings_are_read_whole() {
        let mut reader = SseReader::new();
        let mut all = Vec::new();
        let stream = b": keep-alive\r\nevent: access\r\nid: sig1\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\nevent: grant\nid: sig2\ndata: {}\n\ndata: x\r\rretry: 5\n";
        for chunk in stream.chunks(3) {
            all.extend(reader.feed(chunk).expect("valid"));
        }
        assert_eq!(
            all,
            vec![
                Message {
                    event: "access".into(),
                    data: "{\"a\":\n1}".into(),
                    id: Some("sig1".into())
                },
                Message { event: "grant".into(), data: "{}".into(), id: Some("sig2".into()) },
                Message { event: "message".into(), data: "x".into(), id: Some("sig2".into()) },
            ]
        );
    }

    #[test]
    fn a_message_without_data_is_not_dispatched_and_bad_bytes_are_refused() {
        let mut reader = SseReader::new();
        assert!(reader.feed(b"event: grant\n\n").expect("valid").is_empty());
        assert!(reader.feed(b"data: \xff\n").is_err());
        let mut long = SseReader::new();
        assert!(long.feed(&vec![b'a'; MAX_LINE + 1]).is_err());
    }
}
