"""challans."""
