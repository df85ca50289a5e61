"""The app's blueprints: sign-in, pages, jobs, the JSON API, and error pages."""
