"""What search engines, feeds and link previews see of Cryoview: robots.txt and sitemap.xml (issue 14,
"Found from outside"). The top floor beside journeys: it reads guides, reviews and videos, and nothing
imports it but the URLconf."""
