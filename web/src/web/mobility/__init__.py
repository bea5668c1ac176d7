"""Pages of the mobility area: rides along the bus network and the guaranteed taxi; drivers and their offers; the
Mobilitätszentrale desk.
"""
