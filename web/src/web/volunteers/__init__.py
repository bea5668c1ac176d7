"""Pages of the volunteers area: ways to help near me, sign-ups, shifts and hours, asking for help;
organisations' coordinators; the Freiwilligenagentur's verification queue.
"""
