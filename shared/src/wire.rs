//! Each enum's wire names written once.
//!
//! An enum that travels (JSON, database columns, CSV, URLs) is declared with [`wire_enum!`]:
//! every variant with its wire name, and the macro derives serde with those names, `as_str`,
//! `parse` and `ALL` (in declaration order) from that one list — before, each enum wrote its
//! names in serde attributes, `as_str`, `parse` and an `ALL` table, kept in step by hand.
//! French labels are not wire names and stay beside each enum.

/// Declares a fieldless enum with its wire names (see the module doc).
///
/// ```
/// shared::wire_enum! {
///     /// How sure.
///     #[derive(Default)]
///     pub enum Certainty {
///         #[default]
///         Low = "low",
///         High = "high",
///     }
/// }
/// assert_eq!(Certainty::High.as_str(), "high");
/// assert_eq!(Certainty::parse("low"), Some(Certainty::Low));
/// assert_eq!(Certainty::ALL, [Certainty::Low, Certainty::High]);
/// assert_eq!(serde_json::to_string(&Certainty::High).unwrap(), "\"high\"");
/// ```
// The wire names are matched as `tt`, not `literal`: a `literal` fragment reaches the derives
// wrapped in an invisible group, which serde reads but utoipa does not (the OpenAPI document
// then showed the Rust variant names).
#[macro_export]
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:tt ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($wire),+].len()] = [$($name::$variant),+];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }

            /// The value of a wire name.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($wire => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}
