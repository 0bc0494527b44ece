//! The HTML templates (`web/templates`, embedded in the binary) and the one function that renders
//! them. Every page gets `asset(path)` for versioned static URLs.

use std::sync::LazyLock;

use axum::response::Html;
use minijinja::Environment;
use rust_embed::RustEmbed;
use serde::Serialize;

use super::assets::asset_url;
use super::error::PageError;

#[derive(RustEmbed)]
#[folder = "web/templates"]
struct TemplateFiles;

static TEMPLATES: LazyLock<Environment<'static>> =
    LazyLock::new(|| {
        let mut environment = Environment::new();
        environment.set_loader(|name| {
            Ok(TemplateFiles::get(name)
                .and_then(|file| String::from_utf8(file.data.into_owned()).ok()))
        });
        environment.add_function("asset", |path: &str| {
            minijinja::Value::from_safe_string(asset_url(path))
        });
        environment
    });

/// Renders `name` (e.g. `pages/events.html`) with `context`.
pub fn render(name: &str, context: impl Serialize) -> Result<Html<String>, PageError> {
    let template = TEMPLATES.get_template(name).map_err(PageError::internal)?;
    template
        .render(minijinja::Value::from(minijinja::value::Serde(context)))
        .map(Html)
        .map_err(PageError::internal)
}

/// Renders `name`, or a plain message if even that fails (for the error page itself).
pub fn render_or_text(name: &str, context: impl Serialize, fallback: &str) -> Html<String> {
    render(name, context).unwrap_or_else(|_| Html(fallback.to_owned()))
}
