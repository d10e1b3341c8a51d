//! `wire profile`: a browser profile as the JSON document `--impersonate-file` reads
//! (`tls::Profile::to_json`), to start a custom profile from: a built-in by name, or the one
//! a JA3 string and an Akamai string give (`--ja3`, `--akamai`, as `wire get` takes them).

use clap::Args as ClapArgs;

/// `wire profile` arguments.
#[derive(Debug, ClapArgs)]
pub(crate) struct Args {
    /// A built-in profile (`chrome`, `firefox`, `safari`, `chromium`, `firefox-esr`).
    #[arg(
        value_name = "BROWSER",
        required_unless_present = "ja3",
        conflicts_with = "ja3"
    )]
    name: Option<String>,
    /// Build the profile from this JA3 string (with `--akamai`) instead.
    #[arg(long = "ja3", value_name = "JA3", requires = "akamai")]
    ja3: Option<String>,
    /// The Akamai HTTP/2 string that goes with `--ja3`.
    #[arg(long = "akamai", value_name = "AKAMAI", requires = "ja3")]
    akamai: Option<String>,
    /// With `--ja3`: extensions permuted per connection (Chrome) instead of in the string's
    /// order.
    #[arg(long = "ja3-permute", requires = "ja3")]
    ja3_permute: bool,
}

/// Prints the profile's JSON to stdout; exit code 2 (and why on stderr) when there is none.
pub(crate) fn run(args: &Args) -> u8 {
    let profile = match (&args.name, &args.ja3, &args.akamai) {
        (Some(name), _, _) => match tls::Profile::by_name(name) {
            Some(p) => p.clone(),
            None => {
                let names: Vec<&str> = tls::profile::BUILT_IN.iter().map(|p| &*p.name).collect();
                eprintln!(
                    "wire: unknown browser {name:?} (known: {})",
                    names.join(", ")
                );
                return 2;
            }
        },
        (None, Some(ja3), Some(akamai)) => {
            let options = tls::profile::CustomOptions {
                extension_order: if args.ja3_permute {
                    tls::profile::ExtensionOrder::Permuted
                } else {
                    tls::profile::ExtensionOrder::AsGiven
                },
                ..tls::profile::CustomOptions::default()
            };
            match tls::Profile::from_ja3_akamai_with(ja3, akamai, &options) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("wire: --ja3/--akamai: {e}");
                    return 2;
                }
            }
        }
        _ => {
            eprintln!("wire: a browser name or --ja3 with --akamai");
            return 2;
        }
    };
    print!("{}", profile.to_json());
    0
}
