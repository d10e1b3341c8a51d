//! SETTINGS both ways: sending ours (applied when acknowledged) and applying the peer's
//! (window adjustments, HPACK table size, the acknowledgement).

use super::Connection;
use super::event::Event;
use crate::error::{Error, UserError};
use crate::frame::{self, Frame, StreamId, kind};
use crate::settings::id as sid;
use std::time::Instant;

impl Connection {
    /// Sends new SETTINGS. They are enforced at once where that is safe, and applied to the
    /// HPACK decoder and to open streams' receive windows when the peer acknowledges them
    /// (6.5.3, 6.9.2); the acknowledgement timer runs from `now`.
    ///
    /// # Errors
    /// [`UserError::InvalidSetting`] for a value out of range; nothing is sent.
    pub fn send_settings(&mut self, now: Instant, params: &[(u16, u32)]) -> Result<(), UserError> {
        self.check_open()?;
        let mut next = self.local;
        next.apply_all(params.iter().copied())
            .map_err(UserError::InvalidSetting)?;
        self.local = next;
        if let Some(n) = next.max_header_list_size {
            self.decoder.set_max_header_list_size(n as usize);
        }
        frame::encode_settings(params, &mut self.ctrl);
        self.pending_settings.push_back((params.to_vec(), now));
        Ok(())
    }

    pub(super) fn on_settings(&mut self, s: frame::Settings<'_>) -> Result<(), Error> {
        if s.ack {
            if let Some((params, _)) = self.pending_settings.pop_front() {
                let old = self.acked_local;
                let _ = self.acked_local.apply_all(params.iter().copied());
                let new = self.acked_local;
                if new.header_table_size != old.header_table_size {
                    self.decoder
                        .set_max_table_size(new.header_table_size as usize);
                }
                if new.initial_window_size != old.initial_window_size {
                    for st in self.streams.values_mut() {
                        st.recv
                            .apply_initial_delta(old.initial_window_size, new.initial_window_size);
                    }
                }
                self.events.push_back(Event::SettingsAcked);
                return Ok(());
            }
            // An ACK for SETTINGS we never sent.
            return self.ignored_frame(kind::SETTINGS);
        }
        self.control_frame(kind::SETTINGS)?;
        let params = s.raw.len() / 6;
        if params > self.config.limits.max_settings_params {
            return Err(Error::TooManySettings {
                params,
                limit: self.config.limits.max_settings_params,
            });
        }
        self.got_settings = true;
        self.fingerprint.on_settings(s.iter());
        let old_window = self.remote.initial_window_size;
        for (i, v) in s.iter() {
            self.remote.apply(i, v).map_err(Error::Settings)?;
            if i == sid::HEADER_TABLE_SIZE {
                // We use at most 16 KiB of table whatever the peer allows.
                self.encoder.set_max_table_size((v as usize).min(16 * 1024));
            }
        }
        let new_window = self.remote.initial_window_size;
        if new_window != old_window {
            // "When the value of SETTINGS_INITIAL_WINDOW_SIZE changes, a receiver MUST adjust
            // the size of all stream flow-control windows that it maintains by the difference
            // between the new value and the old value" (6.9.2).
            let delta = i64::from(new_window) - i64::from(old_window);
            for (&id, st) in self.streams.iter_mut() {
                st.send = st
                    .send
                    .adjust(delta)
                    .map_err(|_| Error::InitialWindowOverflow {
                        stream: StreamId::new(id),
                    })?;
            }
            let ids: Vec<u32> = self
                .streams
                .iter()
                .filter(|(_, s)| s.out_len > 0)
                .map(|(i, _)| *i)
                .collect();
            for id in ids {
                self.enqueue(id);
            }
            if new_window > old_window {
                self.wake_senders();
            }
        }
        self.queue_ack()?;
        Frame::Settings(frame::Settings {
            ack: true,
            raw: &[],
        })
        .encode(&mut self.ctrl);
        self.events.push_back(Event::Settings(self.remote));
        Ok(())
    }
}
