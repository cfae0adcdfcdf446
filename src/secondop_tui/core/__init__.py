"""The core layer: models, store, export and content. It never imports Textual."""
