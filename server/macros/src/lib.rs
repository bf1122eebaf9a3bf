//! `#[engine_bounds]`: the storage's one list of what sqlx must do on a generic engine.
//!
//! Every storage resource is written once, generically, as `impl<E> … for SqlStore<E>`
//! (`server/src/db/`). For sqlx to run a statement on `E`, the compiler must be told that `E`
//! encodes and decodes each value type — and Rust does not carry such bounds from a trait to
//! its users (bounds on other types than `Self` are not implied), so each impl block would
//! repeat the same thirty lines. This attribute appends them to the block's `where` clause
//! instead: the list lives here, once, and the code it decorates stays plain Rust that rustfmt
//! formats and an editor navigates. Both engines satisfy every bound; a missing one is a
//! compile error naming it.

use proc_macro::TokenStream;
use quote::quote;
use syn::{parse_macro_input, parse_quote, ItemImpl, WhereClause};

/// Adds the engine bounds to an `impl<E> … for SqlStore<E>` block (place it before
/// `#[async_trait]`, so the trait's futures are generated with the bounds in place).
#[proc_macro_attribute]
pub fn engine_bounds(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(
            proc_macro::Span::call_site().into(),
            "#[engine_bounds] takes no arguments",
        )
        .to_compile_error()
        .into();
    }
    let mut block = parse_macro_input!(item as ItemImpl);
    let bounds: WhereClause = parse_quote! {
        where
            E: crate::db::Engine,
            for<'q> <E as ::sqlx::Database>::Arguments<'q>: ::sqlx::IntoArguments<'q, E>,
            for<'c> &'c ::sqlx::Pool<E>: ::sqlx::Executor<'c, Database = E>,
            for<'c> &'c mut <E as ::sqlx::Database>::Connection: ::sqlx::Executor<'c, Database = E>,
            usize: ::sqlx::ColumnIndex<<E as ::sqlx::Database>::Row>,
            for<'a> &'a str: ::sqlx::ColumnIndex<<E as ::sqlx::Database>::Row>,
            for<'q> &'q str: ::sqlx::Encode<'q, E> + ::sqlx::Type<E>,
            ::uuid::Uuid: for<'q> ::sqlx::Encode<'q, E> + for<'r> ::sqlx::Decode<'r, E> + ::sqlx::Type<E>,
            String: for<'q> ::sqlx::Encode<'q, E> + for<'r> ::sqlx::Decode<'r, E> + ::sqlx::Type<E>,
            i64: for<'q> ::sqlx::Encode<'q, E> + for<'r> ::sqlx::Decode<'r, E> + ::sqlx::Type<E>,
            f64: for<'q> ::sqlx::Encode<'q, E> + for<'r> ::sqlx::Decode<'r, E> + ::sqlx::Type<E>,
            bool: for<'q> ::sqlx::Encode<'q, E> + for<'r> ::sqlx::Decode<'r, E> + ::sqlx::Type<E>,
            ::chrono::DateTime<::chrono::Utc>:
                for<'q> ::sqlx::Encode<'q, E> + for<'r> ::sqlx::Decode<'r, E> + ::sqlx::Type<E>,
            ::chrono::NaiveDate: for<'q> ::sqlx::Encode<'q, E> + for<'r> ::sqlx::Decode<'r, E> + ::sqlx::Type<E>,
            Option<::uuid::Uuid>: for<'q> ::sqlx::Encode<'q, E>,
            Option<String>: for<'q> ::sqlx::Encode<'q, E>,
            for<'q> Option<&'q str>: ::sqlx::Encode<'q, E>,
            Option<i64>: for<'q> ::sqlx::Encode<'q, E>,
            Option<f64>: for<'q> ::sqlx::Encode<'q, E>,
            Option<bool>: for<'q> ::sqlx::Encode<'q, E>,
            Option<::chrono::DateTime<::chrono::Utc>>: for<'q> ::sqlx::Encode<'q, E>,
            Option<::chrono::NaiveDate>: for<'q> ::sqlx::Encode<'q, E>,
    };
    block.generics.make_where_clause().predicates.extend(bounds.predicates);
    quote!(#block).into()
}
