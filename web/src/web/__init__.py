"""The Dorfmarktplatz web app (resident app, merchant portal, admin dashboard), served by the gateway."""
