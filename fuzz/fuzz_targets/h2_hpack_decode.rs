//! HPACK decoding of arbitrary blocks under arbitrary limits: never a panic, the header list
//! limit holds, the table stays within its size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use proto_h2::hpack::Decoder;

fuzz_target!(|data: &[u8]| {
    // Octets 0..4: our SETTINGS_HEADER_TABLE_SIZE and the header list limit; then blocks, each
    // prefixed by its length octet.
    if data.len() < 4 {
        return;
    }
    let table = u16::from_be_bytes([data[0], data[1]]) as usize;
    let limit = u16::from_be_bytes([data[2], data[3]]) as usize;
    let mut d = Decoder::new();
    d.set_max_table_size(table);
    d.set_max_header_list_size(limit);
    let mut rest = &data[4..];
    while let Some((&len, tail)) = rest.split_first() {
        let block = &tail[..(len as usize).min(tail.len())];
        rest = &tail[block.len()..];
        let mut size = 0usize;
        let r = d.decode(block, |h| size += h.name.len() + h.value.len() + 32);
        assert!(size <= limit);
        assert!(d.table_size() <= d.table_capacity());
        assert!(d.table_capacity() <= table.max(4096));
        if let Err(e) = r {
            if e.is_compression_error() {
                break;
            }
        }
    }
});
