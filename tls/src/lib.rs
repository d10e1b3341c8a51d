//! BoringSSL driven through memory buffers: sans-IO TLS sessions for both roles.
